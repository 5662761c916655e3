/**
 * Which Python runs the Python side (clients/python, examples/python-fastapi) here, and whether it has
 * the packages that side needs. Looked for in the order a Python user expects: `PYTHON` if set, the
 * repository's virtual environment (`.venv`, made by scripts/python-deps.sh where an index is
 * reachable), then `python3` on PATH, then Debian's `/usr/bin/python3` (the fallback on machines that
 * reach Debian's archive but no Python package index).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

/** The modules the Python tier imports: the client's, the example app's, and the tests'. */
export const PYTHON_MODULES = ['httpx', 'fastapi', 'uvicorn', 'pytest', 'mypy'] as const;

/** The one line that says how to get them, for every place that finds them missing. */
export const PYTHON_SETUP_HINT = 'run `bash scripts/python-deps.sh` (docs/python.md)';

function candidates(root: string): string[] {
  const venv =
    process.platform === 'win32'
      ? path.join(root, '.venv', 'Scripts', 'python.exe')
      : path.join(root, '.venv', 'bin', 'python');
  return [process.env.PYTHON, existsSync(venv) ? venv : undefined, 'python3', '/usr/bin/python3'].filter(
    (candidate): candidate is string => Boolean(candidate),
  );
}

/** The modules of `modules` that `python` cannot import, or undefined when it does not run at all. */
function missingModules(python: string, modules: readonly string[]): string[] | undefined {
  const probe = `import importlib.util, sys; print(' '.join(m for m in sys.argv[1:] if importlib.util.find_spec(m) is None))`;
  try {
    const out = execFileSync(python, ['-c', probe, ...modules], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 15_000,
    });
    return out.trim().split(/\s+/).filter(Boolean);
  } catch {
    return undefined;
  }
}

export type PythonFound = { ok: true; python: string } | { ok: false; reason: string };

/**
 * The first Python that has every module of `modules`; otherwise why none did, in one line that ends
 * with how to install them.
 */
export function findPython(root: string, modules: readonly string[] = PYTHON_MODULES): PythonFound {
  const seen: string[] = [];
  for (const python of candidates(root)) {
    const missing = missingModules(python, modules);
    if (missing === undefined) continue;
    if (missing.length === 0) return { ok: true, python };
    seen.push(`${python} lacks ${missing.join(', ')}`);
  }
  const where = seen.length > 0 ? seen.join('; ') : 'no python3 found';
  return { ok: false, reason: `${where}: ${PYTHON_SETUP_HINT}` };
}
