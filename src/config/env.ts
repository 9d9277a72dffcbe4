/**
 * Reading one environment variable at a time, collecting every problem rather than stopping
 * at the first, so that a misconfigured gateway says everything wrong at once. The variables
 * themselves come from src/config.ts, the only reader of `process.env`.
 */

/** A variable's trimmed value; undefined when unset or blank. */
export type ReadVariable = (name: string) => string | undefined;

export type Env = Readonly<Record<string, string | undefined>>;

export function variableReader(env: Env): ReadVariable {
  return (name) => {
    const raw = env[name]?.trim();
    return raw === undefined || raw === '' ? undefined : raw;
  };
}

/** A whole number from `min` to `max`, or the fallback when unset. */
export function readInteger(
  read: ReadVariable,
  problems: string[],
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = read(name);
  if (raw === undefined) return fallback;
  const parsed = Number(raw);
  if (/^\d+$/.test(raw) && parsed >= min && parsed <= max) return parsed;
  problems.push(`${name} must be a whole number from ${min} to ${max}, got "${raw}".`);
  return fallback;
}

/**
 * A TCP port from 0 (any free port) to 65535, or the fallback when unset. `orElse` names what
 * else the variable may say, for the message (e.g. `or "off"`).
 */
export function readPort(
  read: ReadVariable,
  problems: string[],
  name: string,
  fallback: number,
  orElse = '',
): number {
  const raw = read(name);
  if (raw === undefined) return fallback;
  const port = Number(raw);
  if (/^\d+$/.test(raw) && port <= 65535) return port;
  problems.push(`${name} must be an integer from 0 to 65535 (0 = any free port)${orElse}, got "${raw}".`);
  return fallback;
}
