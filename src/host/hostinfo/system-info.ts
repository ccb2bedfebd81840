// The small part of `systeminformation` hvagent uses, behind an interface so tests can fake
// it: CPU facts the kernel does not print everywhere (max clock on ARM, brand).
export interface CpuFacts {
  manufacturer: string;
  brand: string;
  /** GHz. */
  speed: number;
  speedMax: number;
  physicalCores: number;
  cores: number;
  processors: number;
}

export interface SystemInfoFacade {
  cpu(): Promise<CpuFacts>;
}

/** The real facade; the module is loaded on first use so start-up stays cheap. */
export function realSystemInfo(): SystemInfoFacade {
  return {
    async cpu() {
      const si = await import('systeminformation');
      const c = await si.cpu();
      return {
        manufacturer: c.manufacturer,
        brand: c.brand,
        speed: c.speed,
        speedMax: c.speedMax,
        physicalCores: c.physicalCores,
        cores: c.cores,
        processors: c.processors,
      };
    },
  };
}
