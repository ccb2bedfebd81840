// The wire types of the method declarations (booleans, integers, uuids, path components, paths
// under a root). They live in src/core/wire-types.ts so core schemas (setup_networks) share them.
export { wireBool, wireBoolean, wireInt, wireUuid, wireHex32, wireId, wireText, pathComponent, pathUnder, wireMeta, type IntBounds, type UuidForm, type WireMeta } from '../core/wire-types.js';
