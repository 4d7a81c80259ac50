import { Logger } from '@aws-lambda-powertools/logger';

/**
 * One structured JSON logger per cold start. Never log names, phones, birth dates, notes or any
 * request body: log ids, codes and counts only.
 */
export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'centrum',
  logLevel: (process.env.LOG_LEVEL as 'INFO' | 'DEBUG' | 'WARN' | 'ERROR' | 'SILENT' | undefined) ?? 'INFO',
});
