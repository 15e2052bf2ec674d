/** The lab description (lab.yaml): load, validate, defaults. */
export { LAB_DEFAULTS, NODE_DEFAULTS } from './defaults.ts';
export { LabConfigError } from './errors.ts';
export { DEFAULT_LAB_CONFIG_PATH, LAB_CONFIG_ENV, labNodes, loadLabConfig, parseLabYaml } from './load.ts';
export type { CrawlEngine, CrawlTarget, LabConfig, LabConfigOverrides, ProviderChoice } from './types.ts';
export { validateLabConfig } from './validate.ts';
