// The type lives in src/core/net (pure); host adapters and services import it from here too.
export * from '../../core/net/snapshot.js';
