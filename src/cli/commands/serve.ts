import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NnlabError } from '../../core/errors.js';
import { IDX_FILES, mnistDir } from '../../node/data.js';
import { formatHelp, parseFlags, UsageError, type FlagSpec } from '../flags.js';

const FLAGS: FlagSpec[] = [
  { name: 'port', type: 'int', arg: 'N', help: 'port to listen on (default 8080; 0 picks a free one)' },
  { name: 'host', type: 'string', arg: 'ADDR', help: 'address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)' },
  { name: 'help', type: 'boolean', help: 'show this help' },
];

/** Content types of the files the lab serves; anything else is not served. */
export const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'application/javascript; charset=utf-8',
  '.mjs': 'application/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '': 'application/octet-stream',
};

/** The uPlot files the page loads from /vendor/. */
const VENDOR_FILES = new Set(['uPlot.iife.min.js', 'uPlot.min.css']);
const DATA_FILES = new Set<string>(Object.values(IDX_FILES));

/** Where the lab's files are: the compiled JS (dist/), the page (web/), uPlot and MNIST. */
export interface LabPaths {
  /** The tsc output folder: /web/*.js, /src/**.js are served from here. */
  dist: string;
  /** web/index.html. */
  page: string;
  /** uPlot's dist folder. */
  vendor: string;
  /** The folder of the four MNIST IDX files. */
  data: string;
}

/** The lab's files for this installation (this file is dist/src/cli/commands/serve.js). */
export function labPaths(): LabPaths {
  const dist = fileURLToPath(new URL('../../../', import.meta.url));
  const require = createRequire(import.meta.url);
  return {
    dist,
    page: join(dist, '..', 'web', 'index.html'),
    vendor: join(dirname(require.resolve('uplot/package.json')), 'dist'),
    data: mnistDir(),
  };
}

/**
 * Map a URL path to a file, or null when nothing may be served there. Only files inside the
 * allowed folders, with a known extension, are served: `..`, encoded slashes and NUL bytes cannot
 * leave them.
 */
export function resolveRequest(paths: LabPaths, urlPath: string): string | null {
  let p: string;
  try {
    p = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (p.includes('\0') || p.includes('\\')) return null;
  if (p === '/' || p === '/index.html') return paths.page;
  const vendor = /^\/vendor\/([^/]+)$/.exec(p);
  if (vendor) return VENDOR_FILES.has(vendor[1]!) ? join(paths.vendor, vendor[1]!) : null;
  const data = /^\/data\/([^/]+)$/.exec(p);
  if (data) return DATA_FILES.has(data[1]!) ? join(paths.data, data[1]!) : null;
  if (!(extname(p) in MIME_TYPES) || extname(p) === '') return null;
  const root = resolve(paths.dist);
  const file = resolve(root, '.' + p);
  if (!file.startsWith(root + sep)) return null;
  return file;
}

/** Headers every response carries: cross-origin isolation (SharedArrayBuffer for a WebAssembly backend). */
const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
};

function send(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { ...ISOLATION, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function handle(paths: LabPaths, req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return send(res, 405, 'method not allowed\n');
  }
  const urlPath = (req.url ?? '/').split('?')[0]!.split('#')[0]!;
  const file = resolveRequest(paths, urlPath);
  let size: number;
  try {
    if (file === null) throw new Error('not served');
    const st = statSync(file);
    if (!st.isFile()) throw new Error('not a file');
    size = st.size;
  } catch {
    return send(res, 404, `not found: ${urlPath}\n`);
  }
  const isData = urlPath.startsWith('/data/');
  res.writeHead(200, {
    ...ISOLATION,
    'Content-Type': MIME_TYPES[isData ? '' : extname(file)] ?? 'application/octet-stream',
    'Content-Length': size,
    // The code changes with every build; the data and uPlot do not.
    'Cache-Control': isData || urlPath.startsWith('/vendor/') ? 'public, max-age=86400' : 'no-cache',
  });
  if (req.method === 'HEAD') return void res.end();
  const stream = createReadStream(file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

/**
 * Start the browser lab's static server. Resolves once it listens; `url` is the page's address
 * (with the port actually bound when `port` is 0).
 */
export function startLabServer(opts: { port: number; host: string; paths?: LabPaths }): Promise<{ server: Server; url: string }> {
  const paths = opts.paths ?? labPaths();
  const server = createServer((req, res) => handle(paths, req, res));
  return new Promise((resolvePromise, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'EADDRINUSE'
          ? new NnlabError(`port ${opts.port} is in use; pick another with --port N (0 picks a free one)`)
          : e.code === 'EACCES'
            ? new NnlabError(`not allowed to listen on port ${opts.port}; pick a port above 1023 with --port N`)
            : new NnlabError(`cannot listen on ${opts.host}:${opts.port}: ${e.message}`),
      ),
    );
    server.listen(opts.port, opts.host, () => {
      const a = server.address() as AddressInfo;
      const host = a.family === 'IPv6' ? `[${a.address}]` : a.address === '0.0.0.0' ? 'localhost' : a.address;
      resolvePromise({ server, url: `http://${host}:${a.port}/` });
    });
  });
}

/** `nnlab serve`: the browser lab at http://127.0.0.1:8080/. */
export async function serveCommand(argv: string[]): Promise<number> {
  const { values, positional } = parseFlags(argv, FLAGS, 'serve');
  if (values.help) {
    process.stdout.write(
      formatHelp(
        'usage: nnlab serve [--port N] [--host ADDR]',
        'Serve the browser lab: pick a preset or set the knobs, train on MNIST in a Web Worker and watch the curves.',
        FLAGS,
      ),
    );
    return 0;
  }
  if (positional.length) throw new UsageError(`nnlab serve takes no arguments, got "${positional.join(' ')}"`);
  const port = (values.port as number | undefined) ?? 8080;
  if (port < 0 || port > 65535) throw new UsageError(`--port: expected a port number 0..65535, got ${port}`);
  const paths = labPaths();
  if (!existsSync(join(paths.dist, 'web', 'lab.js')) || !existsSync(paths.page))
    throw new NnlabError(`the browser lab is not built (${join(paths.dist, 'web', 'lab.js')} or ${paths.page} missing); run 'npm run build'`);
  const { server, url } = await startLabServer({ port, host: String(values.host ?? '127.0.0.1'), paths });
  const stopped = new Promise<void>((done) => {
    let stopping = false;
    // once, however many signals come (Ctrl-C reaches both \`nnlab\` and the process it started)
    const stop = () => {
      if (stopping) return;
      stopping = true;
      server.close(() => done());
      server.closeAllConnections();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  process.stdout.write(`nnlab lab: ${url}  (Ctrl-C stops)\n`);
  await stopped;
  return 0;
}
