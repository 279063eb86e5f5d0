/**
 * Loads nodegrad_mpi.node, the optional MPI addon (native/dist), on first use of ng.dist.
 * The main addon never links libmpi, so nodegrad works where OpenMPI is absent; only ng.dist
 * needs this one. Errors say how to get it and how to launch.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.join(__dirname, '..', '..');

/** Where the MPI addon is looked for, in order. NODEGRAD_MPI_ADDON names a file explicitly. */
export function addonCandidates(): string[] {
  const out: string[] = [];
  if (process.env.NODEGRAD_MPI_ADDON) out.push(path.resolve(process.env.NODEGRAD_MPI_ADDON));
  for (const dir of ['build-mpi/Release', 'build/Release', 'build-mpi', 'build-cmake/Release']) {
    out.push(path.join(root, dir, 'nodegrad_mpi.node'));
  }
  return out;
}

const BUILD_HINT = [
  'Build it (needs OpenMPI; Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev):',
  '  NODEGRAD_MPI=1 npm rebuild nodegrad --build-from-source      (node-gyp; or NODEGRAD_MPI=1 npm install --build-from-source)',
  '  npx cmake-js build --out build-mpi --CDNODEGRAD_MPI=ON --target nodegrad_mpi   (in the package folder)',
  'See docs/DISTRIBUTED.md.',
].join('\n');

/** True when an MPI launcher (mpirun/mpiexec, srun --mpi=pmix, hydra) started this process. */
export function underLauncher(): boolean {
  const e = process.env;
  return e.OMPI_COMM_WORLD_SIZE !== undefined || e.PMIX_RANK !== undefined || e.PMI_RANK !== undefined ||
    e.PMI_SIZE !== undefined || e.MPI_LOCALNRANKS !== undefined;
}

/** Finds the MPI addon file (null when none is built). */
export function findAddon(): string | null {
  for (const c of addonCandidates()) if (fs.existsSync(c)) return c;
  return null;
}

let cached: any = null;

/** The raw MPI addon; throws a how-to-fix error when it is missing or can not load. */
export function mpiAddon(): any {
  if (cached) return cached;
  const file = findAddon();
  if (!file) {
    throw new Error(`nodegrad.dist: the MPI build of nodegrad (nodegrad_mpi.node) was not found; the default build has no MPI.\n` +
      `Looked in: ${addonCandidates().join(', ')}\n${BUILD_HINT}`);
  }
  const mod = { exports: {} as any };
  try {
    // RTLD_GLOBAL: Open MPI's plugins resolve libmpi's symbols from the global namespace.
    process.dlopen(mod, file, os.constants.dlopen.RTLD_NOW | os.constants.dlopen.RTLD_GLOBAL);
  } catch (err) {
    const e = new Error(`nodegrad.dist: could not load the MPI addon ${file}: ${(err as Error).message.split('\n')[0]}\n` +
      'The Open MPI runtime (libmpi.so.40) must be installed where the addon was built against it.\n' + BUILD_HINT);
    (e as { cause?: unknown }).cause = err;
    throw e;
  }
  cached = mod.exports;
  return cached;
}
