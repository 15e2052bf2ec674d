import { isCrawlError } from 'crawl-lab';
import { loadLabConfig } from '../../provision/config/index.ts';
import { type OpenLabOptions, openLab } from '../../provision/lab.ts';
import { crawl } from './crawl.ts';
import type { LabCommand } from './run-command.ts';
import { up } from './up.ts';

/**
 * npm run lab — the quick start: bring the lab up on the best provider
 * available and run the crawl (lab:up, then lab:crawl). When lab.yaml names a
 * provider that cannot run here, it says why and runs the same lab with local
 * processes instead.
 */
export async function quickStart(o: { noInstall?: boolean } = {}): Promise<number> {
  const config = loadLabConfig(); // a broken lab.yaml stops here with its own message, never falls back
  let open: OpenLabOptions = {};
  try {
    await openLab({ log: () => {} });
  } catch (error) {
    if (!isCrawlError(error) || error.code !== 'CRAWL_E_LAB_CONFIG' || config.provider === 'local')
      throw error;
    console.log(`provider: local (${error.message})\nrunning the same lab with local processes instead`);
    open = { overrides: { provider: 'local' } };
  }
  const code = await up({ open, ...(o.noInstall ? { noInstall: true } : {}) });
  if (code !== 0) return code;
  return crawl({ open });
}

export const labCommand: LabCommand = {
  name: 'lab',
  usage: `npm run lab [-- --no-install]

The quick start: lab:up on the best provider available, then lab:crawl.

  --no-install   never install this host's missing packages; say what to install instead`,
  options: { 'no-install': { type: 'boolean' } },
  run: ({ values }) => quickStart({ noInstall: Boolean(values['no-install']) }),
};
