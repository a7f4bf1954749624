import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { NnlabError } from '../core/errors.js';

/**
 * Write a file atomically: write a temporary file beside it, flush it, then rename it over the
 * target. A crash or a full disk never leaves a half-written file under the target's name.
 * A file-system error becomes an `NnlabError` naming the target and the error code.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let fd: number | null = null;
  try {
    fd = openSync(tmp, 'w');
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== null) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    const code = (e as NodeJS.ErrnoException).code;
    if (code) throw new NnlabError(`${path}: cannot write: ${code}${code === 'ENOENT' ? ' (the folder does not exist)' : ''}`);
    throw e;
  }
}

/** A file-system error in words, then its code: "no such file or folder (ENOENT)". */
export function fsProblem(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const words: Record<string, string> = {
    ENOENT: 'no such file or folder',
    EISDIR: 'it is a folder, not a file',
    ENOTDIR: 'a part of the path is a file, not a folder',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EEXIST: 'a file of that name already exists',
  };
  if (!code) return (e as Error).message;
  return words[code] ? `${words[code]} (${code})` : code;
}
