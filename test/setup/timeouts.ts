/** Per-layer test timeouts (Jest takes testTimeout only from the root config, not from a project). */
const LAYER_TIMEOUTS: Record<string, number> = { unit: 10_000, server: 30_000, cluster: 120_000, browser: 180_000 };

const layer = /[\\/]test[\\/](\w+)[\\/]/.exec(expect.getState().testPath ?? '')?.[1] ?? 'unit';
jest.setTimeout(LAYER_TIMEOUTS[layer] ?? 10_000);
