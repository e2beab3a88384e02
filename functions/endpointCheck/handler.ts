/**
 * Lambda entry point (handler setting: `endpointCheck/handler.handler`), invoked every minute by
 * EventBridge Scheduler. The configuration is read and checked once, when the runtime loads this
 * module: a bad value fails every invocation with a message naming the variable, no metrics are
 * published, and the alarms (missing data = breaching) go off.
 */

import { loadConfig } from "./config";
import { createHandler } from "./run";

export const handler = createHandler(loadConfig(process.env));
