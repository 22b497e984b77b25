// The bench's command line (see bench/run.mjs) and its progress log on stderr, which keeps stdout for the table.
const args = process.argv.slice(2);
const flag = (name) => args.includes(`--${name}`);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};

export const quick = flag('quick');
// --profile: Parley replicas write V8 CPU profiles to bench/results/profiles (read them with bench/profile-top.mjs).
export const profile = flag('profile');
export const noBuild = flag('no-build');
export const scenarioNames = opt('scenarios', 'join,pairjoin,latency,throughput,fanout,capacity,browser').split(',');
/** --capacity 20000,50000: the levels of idle participants the capacity scenario holds. */
export const capacityLevels = opt('capacity', quick ? '1000,2000' : '1000,5000,10000,20000')
  .split(',')
  .map(Number);
/** --effects-before <git ref>: the Parley the effects scenario compares join times with (the last one without effects). */
export const effectsBefore = opt('effects-before', 'f3ad2d0');
export const configNames = opt('configs', 'baseline,memory,redis,redis3').split(',');

export const log = (s) => process.stderr.write(`${s}\n`);
