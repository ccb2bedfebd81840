// Rules for template archives and template files: which archive members are acceptable and
// where each file lands (vm.cfg and other files in Templates/<id>/, disk images in VirtualDisks/).
import * as path from 'node:path';
import { fail } from '../errors.js';
import { isSafeComponent } from '../ids.js';

export const IMAGE_EXTENSIONS = ['.img', '.raw', '.qcow2', '.vmdk', '.vdi', '.vhd', '.iso'] as const;

export function isArchiveName(name: string): boolean {
  return /\.(tgz|tar\.gz)$/i.test(name);
}

export function isImageName(name: string): boolean {
  const lower = name.toLowerCase();
  return IMAGE_EXTENSIONS.some((e) => lower.endsWith(e));
}

/** Refuse an archive listing that names absolute paths, '..' components or NUL. */
export function checkArchiveMembers(members: readonly string[]): void {
  if (members.length === 0) throw fail('REPO_BAD_ARCHIVE', 'the template archive is empty');
  for (const m of members) {
    if (m.includes('\0') || m.startsWith('/') || m.split('/').includes('..')) {
      throw fail('REPO_BAD_ARCHIVE', `the template archive holds an unsafe member: ${JSON.stringify(m.slice(0, 200))}`);
    }
  }
}

/**
 * Refuse members that are neither regular files nor directories (links, devices, FIFOs), from
 * `tar -tvzf` lines whose first character is the member type ('-' file, 'd' directory).
 */
export function checkArchiveTypes(verboseLines: readonly string[]): void {
  for (const line of verboseLines) {
    if (line.trim() === '') continue;
    const t = line[0];
    if (t !== '-' && t !== 'd') {
      throw fail('REPO_BAD_ARCHIVE', `the template archive holds a member that is not a plain file or directory: ${JSON.stringify(line.slice(0, 200))}`);
    }
  }
}

export interface TemplateFile {
  /** Where the file is now (staging), opaque to this module. */
  from: string;
  /** Its base name. */
  name: string;
}

export interface TemplatePlacement {
  from: string;
  /** Repository-relative target, e.g. `Templates/<id>/vm.cfg` or `VirtualDisks/System.img`. */
  to: string;
}

/** Where each template file goes; exactly one vm.cfg, no two files with the same target. */
export function planTemplateFiles(templateId: string, files: readonly TemplateFile[]): TemplatePlacement[] {
  if (!isSafeComponent(templateId)) throw fail('REPO_BAD_PATH', `bad template id ${JSON.stringify(templateId)}`);
  const out: TemplatePlacement[] = [];
  const seen = new Set<string>();
  let cfgs = 0;
  for (const f of files) {
    const name = path.posix.basename(f.name);
    if (!isSafeComponent(name)) throw fail('REPO_BAD_ARCHIVE', `bad template file name ${JSON.stringify(f.name)}`);
    if (name === 'vm.cfg') cfgs++;
    const to = isImageName(name) ? `VirtualDisks/${name}` : `Templates/${templateId}/${name}`;
    if (seen.has(to)) throw fail('REPO_BAD_ARCHIVE', `two template files would land at ${to}`);
    seen.add(to);
    out.push({ from: f.from, to });
  }
  if (cfgs !== 1) throw fail('REPO_BAD_ARCHIVE', `a template needs exactly one vm.cfg (found ${cfgs})`);
  return out;
}
