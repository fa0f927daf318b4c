/**
 * Stands in for `debug` in the package's bundles and the Action's (scripts/build-options.ts): the proxy agents log
 * through it when `DEBUG` names them (`DEBUG=*`), and what they log is the proxy URL with its `user:password@` and
 * the proxy's answers, unredacted, to stderr — a CI log. Here every logger is off whatever `DEBUG` says; the CLI's
 * own diagnostics do not use `debug`.
 */
type Logger = ((...args: unknown[]) => void) & { enabled: boolean; namespace: string; extend: () => Logger; destroy: () => boolean; log: () => void };

const off: Logger = Object.assign(() => {}, { enabled: false, namespace: '', extend: () => off, destroy: () => true, log: () => {} });

function createDebug(_namespace?: string): Logger {
  return off;
}

export default Object.assign(createDebug, { enable: () => {}, disable: () => '', enabled: () => false, coerce: (value: unknown) => value, formatters: {}, names: [], skips: [] });
