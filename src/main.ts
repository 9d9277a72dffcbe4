/**
 * `npm start`: reads the configuration, starts an embedded DynamoDB Local (data kept under
 * .eventloom/) when no DYNAMODB_ENDPOINT is given, starts the gateway, and shuts both down
 * cleanly on SIGTERM/SIGINT. Nothing else happens here.
 */
import { buildApp } from './app.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import { type DynamoDbLocal, startDynamoDbLocal } from './dynamodb/local.js';
import { createLogger, toAppLogger } from './observability/logger.js';

const shutdownDeadlineMs = 30_000;

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  // One JSON log stream for the whole process (configuration errors above come before it).
  const logger = toAppLogger(createLogger(config.operations.logLevel));

  let local: DynamoDbLocal | null = null;
  if (config.dynamodb.endpoint === undefined) {
    logger.info(`Starting the embedded DynamoDB Local (data in ${config.embeddedDataDir}) ...`);
    try {
      local = await startDynamoDbLocal({ dbPath: config.embeddedDataDir });
    } catch (error) {
      logger.error(error instanceof Error ? error.message : String(error));
      logger.error(
        'DynamoDB Local needs Java 17+ on the PATH; or set DYNAMODB_ENDPOINT to an existing DynamoDB.',
      );
      process.exit(1);
    }
    logger.info(`DynamoDB Local is up at ${local.endpoint}. Set DYNAMODB_ENDPOINT to use another DynamoDB.`);
    config = {
      ...config,
      dynamodb: { ...config.dynamodb, endpoint: local.endpoint, localCredentials: true },
    };
  }

  const app = buildApp(config, { logger });
  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    // npm and tsx relay signals, so one Ctrl-C can arrive twice: repeats are ignored, and a
    // deadline ends a shutdown that hangs.
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info(`${signal}: finishing in-flight requests and appends ...`);
    setTimeout(() => {
      logger.error(`Shutdown took longer than ${shutdownDeadlineMs / 1000} s: exiting.`);
      process.exit(1);
    }, shutdownDeadlineMs).unref();
    try {
      await app.stop();
      await local?.stop();
      logger.info('Stopped.');
      process.exit(0);
    } catch (error) {
      logger.error('Shutdown failed:', error);
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  try {
    const { url, metricsUrl } = await app.start();
    logger.info(`eventloom is serving GraphQL (and GraphiQL in a browser) at ${url}`);
    logger.info(`The event explorer is at ${new URL('/explorer', url)}`);
    if (metricsUrl) logger.info(`Prometheus metrics at ${metricsUrl}`);
  } catch (error) {
    logger.error(`Cannot start: ${error instanceof Error ? error.message : String(error)}`);
    await app.stop().catch(() => undefined);
    await local?.stop();
    process.exit(1);
  }
}

await main();
