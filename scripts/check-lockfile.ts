/**
 * `npm run check:lockfile`: fails when package-lock.json lacks an entry that a locked package
 * declares: above all the platform builds (`@cloudflare/workerd-darwin-64`, `@biomejs/cli-win32-x64`,
 * …) that packages list as optional dependencies.
 *
 * An npm that resolves the tree on one machine may write only that machine's platform entries; the
 * lockfile then works here and `npm ci` refuses it (or installs no binary) on a Mac, on Windows or on
 * musl. Bumping a dependency is when that slips in, so this runs in `npm run check`.
 *
 * @example
 * node scripts/check-lockfile.ts                 # this repository's package-lock.json
 * node scripts/check-lockfile.ts path/to/package-lock.json
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';

/** The parts of a lockfile (v2 or v3) this check reads. */
export interface Lockfile {
  lockfileVersion?: number;
  packages?: Record<string, LockedPackage>;
}

interface LockedPackage {
  name?: string;
  version?: string;
  link?: boolean;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/** A locked package's declared dependency that the lockfile does not satisfy. */
export interface Missing {
  /** The lockfile key of the package that declares it ("" is the project itself). */
  from: string;
  name: string;
  range: string;
  /** The entry npm would use, when there is one at the wrong version. */
  found?: { at: string; version: string | undefined };
}

// Node's lookup: the package's own node_modules, then each enclosing one, up to the top.
function lookupPaths(from: string, name: string): string[] {
  const paths: string[] = [];
  let dir = from;
  for (;;) {
    paths.push(dir === '' ? `node_modules/${name}` : `${dir}/node_modules/${name}`);
    if (dir === '') return paths;
    const up = dir.lastIndexOf('/node_modules/');
    dir = up === -1 ? '' : dir.slice(0, up);
  }
}

/** `npm:real-name@range` (an alias) is checked against the real package's range. */
function versionRange(range: string): string | undefined {
  const spec = range.startsWith('npm:') ? range.slice(range.lastIndexOf('@') + 1) : range;
  // git, file:, link:, workspace: and URLs name no registry version to compare.
  return semver.validRange(spec) ?? undefined;
}

/**
 * Every dependency (regular and optional; the project's dev dependencies too) of every locked
 * package that has no lockfile entry where npm would look for it, or one outside the declared range.
 * An empty list means `npm ci` can install this lockfile on any platform the packages support.
 */
export function missingEntries(lock: Lockfile): Missing[] {
  const packages = lock.packages ?? {};
  const missing: Missing[] = [];
  for (const [from, locked] of Object.entries(packages)) {
    // A link's target is its own entry; the link itself declares nothing.
    if (locked.link) continue;
    const declared = {
      ...locked.dependencies,
      ...(from === '' ? locked.devDependencies : {}),
      ...locked.optionalDependencies,
    };
    for (const [name, range] of Object.entries(declared)) {
      const at = lookupPaths(from, name).find((candidate) => candidate in packages);
      if (at === undefined) {
        missing.push({ from, name, range });
        continue;
      }
      const version = packages[at]?.version;
      const wanted = versionRange(range);
      if (wanted !== undefined && !(version && semver.satisfies(version, wanted))) {
        missing.push({ from, name, range, found: { at, version } });
      }
    }
  }
  return missing;
}

/** One line per problem, for a person to act on. */
export function describeMissing({ from, name, range, found }: Missing): string {
  const declarer = from === '' ? 'package.json' : from;
  return found
    ? `${declarer} wants ${name}@${range}, but ${found.at} is ${found.version ?? 'unversioned'}`
    : `${declarer} wants ${name}@${range}: no entry in the lockfile`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2] ?? path.resolve(import.meta.dirname, '..', 'package-lock.json');
  const lock = JSON.parse(readFileSync(file, 'utf8')) as Lockfile;
  if (!lock.packages) {
    console.error(`${file}: no "packages" (lockfile version 2 or 3 is needed)`);
    process.exit(1);
  }
  const missing = missingEntries(lock);
  if (missing.length > 0) {
    console.error(`${file} lacks ${missing.length} entr${missing.length === 1 ? 'y' : 'ies'}:`);
    for (const item of missing) console.error(`  ${describeMissing(item)}`);
    // npm 11 records every platform's build when the registry serves them all; a registry or mirror
    // that serves only some is how entries went missing here before.
    console.error(
      'Run `npm install` against a registry that serves every platform build, and commit the lockfile.',
    );
    process.exit(1);
  }
  console.log(
    `${path.basename(file)}: every declared dependency has its entry (${Object.keys(lock.packages).length} packages)`,
  );
}
