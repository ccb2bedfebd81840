// How the running hypervisor was built, for discover_server's VMM/Compile_Information: from
// /proc/version on a KVM host (the kernel is the hypervisor).

export interface CompileInfo {
  compiler: string;
  by: string;
  domain: string;
  date: string;
}

export const NO_COMPILE_INFO: CompileInfo = { compiler: '', by: '', domain: '', date: '' };

/**
 * `Linux version R (user@domain) (compiler, linker) #N SMP ... date`: the compiler text may
 * hold parentheses itself, so it runs to the `) #` that starts the build number.
 */
export function procVersionToCompileInfo(text: string): CompileInfo {
  const m = /^Linux version \S+ \(([^@()\s]+)@([^()\s]+)\) \((.*)\) (#.*)$/.exec(text.trim());
  if (!m) return NO_COMPILE_INFO;
  const compiler = m[3].split(/, GNU ld|, LLD/)[0].trim();
  // The date is the tail after the build flags: `#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)`.
  const date = /\(([^()]+)\)\s*$/.exec(m[4])?.[1] ?? m[4].replace(/^#\d+\s+/, '');
  return { compiler, by: m[1], domain: m[2], date };
}
