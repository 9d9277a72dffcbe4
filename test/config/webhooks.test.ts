import { describe, expect, test } from 'vitest';
import { ConfigError, defaultWebhookConfig, loadConfig } from '../../src/config.js';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('webhook settings', () => {
  test('default: retries from 1000 ms, no allowed hosts', () => {
    expect(loadConfig({}).webhooks).toEqual({ retryBaseMs: 1000, allowedHosts: [] });
    expect(defaultWebhookConfig).toEqual({ retryBaseMs: 1000, allowedHosts: [] });
  });

  test('EVENTLOOM_WEBHOOK_RETRY_BASE_MS is a whole number from 1 to 60000', () => {
    expect(loadConfig({ EVENTLOOM_WEBHOOK_RETRY_BASE_MS: '1' }).webhooks?.retryBaseMs).toBe(1);
    expect(loadConfig({ EVENTLOOM_WEBHOOK_RETRY_BASE_MS: '60000' }).webhooks?.retryBaseMs).toBe(60_000);
    for (const bad of ['0', '60001', '1.5', '-3', 'soon']) {
      expect(problems({ EVENTLOOM_WEBHOOK_RETRY_BASE_MS: bad })).toEqual([
        `EVENTLOOM_WEBHOOK_RETRY_BASE_MS must be a whole number from 1 to 60000, got "${bad}".`,
      ]);
    }
  });

  test('EVENTLOOM_WEBHOOK_ALLOWED_HOSTS: hostnames and IP addresses, canonical and without repeats', () => {
    const config = loadConfig({
      EVENTLOOM_WEBHOOK_ALLOWED_HOSTS:
        ' Hooks.Internal , 10.0.0.7,[::1], ::FFFF:127.0.0.1,localhost.,127.1,hooks.internal,',
    });
    expect(config.webhooks?.allowedHosts).toEqual([
      'hooks.internal',
      '10.0.0.7',
      '::1',
      '::ffff:7f00:1',
      'localhost',
      '127.0.0.1',
    ]);
  });

  test('an entry with a scheme, port, path or credentials is refused, naming the entry', () => {
    const found = problems({
      EVENTLOOM_WEBHOOK_ALLOWED_HOSTS:
        'ok.example,http://a.example,b.example:8080,c.example/hook,u@d.example,e example',
    });
    expect(found).toHaveLength(5);
    for (const entry of [
      'http://a.example',
      'b.example:8080',
      'c.example/hook',
      'u@d.example',
      'e example',
    ]) {
      expect(found.some((problem) => problem.includes(`"${entry}" is not a hostname or IP address`))).toBe(
        true,
      );
    }
    expect(found.join('\n')).not.toContain('"ok.example"');
  });

  test('set but naming no host is a problem; both variables are reported at once', () => {
    expect(
      problems({ EVENTLOOM_WEBHOOK_ALLOWED_HOSTS: ' , ,', EVENTLOOM_WEBHOOK_RETRY_BASE_MS: '0' }),
    ).toEqual([
      'EVENTLOOM_WEBHOOK_RETRY_BASE_MS must be a whole number from 1 to 60000, got "0".',
      'EVENTLOOM_WEBHOOK_ALLOWED_HOSTS is set but names no host.',
    ]);
  });
});
