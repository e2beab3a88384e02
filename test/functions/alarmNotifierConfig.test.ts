import * as assert from "node:assert/strict";

import { loadConfig } from "../../functions/alarmNotifier/config";

const BASE = {
    SLACK_WEBHOOK_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:demo-live-slack-webhook-AbCdEf",
    DEDUPE_TABLE: "demo-live-alarm-notifier",
    APP_NAME: "demo",
    ENVIRONMENT: "live",
};

describe("alarm notifier configuration from the environment (functions/alarmNotifier/config)", () => {
    it("GIVEN only the four required variables WHEN loaded THEN the prefix is <app>-<env>- and every other setting has its default", () => {
        assert.deepEqual(loadConfig(BASE), {
            webhookSecretArn: BASE.SLACK_WEBHOOK_SECRET_ARN,
            dedupeTable: "demo-live-alarm-notifier",
            appName: "demo",
            environment: "live",
            alarmNamePrefix: "demo-live-",
            serviceNames: [],
            reminderMinutes: 60,
            requestTimeoutMs: 3000,
            maxAttempts: 5,
            concurrency: 4,
            webhookCacheSeconds: 300,
        });
    });

    it("GIVEN every variable set (with blanks around values) WHEN loaded THEN each is used, service names longest first, and the result is frozen", () => {
        const config = loadConfig({
            ...BASE,
            ALARM_NAME_PREFIX: " demo-live-web- ",
            SERVICE_NAMES: "web, web-api,worker",
            REMINDER_MINUTES: "30",
            SLACK_TIMEOUT_MS: "2500",
            SLACK_MAX_ATTEMPTS: "3",
            CONCURRENCY: "8",
            WEBHOOK_CACHE_SECONDS: "0",
            AWS_REGION: "eu-west-1",
        });

        assert.deepEqual(config, {
            webhookSecretArn: BASE.SLACK_WEBHOOK_SECRET_ARN,
            dedupeTable: "demo-live-alarm-notifier",
            appName: "demo",
            environment: "live",
            alarmNamePrefix: "demo-live-web-",
            serviceNames: ["web-api", "worker", "web"],
            reminderMinutes: 30,
            requestTimeoutMs: 2500,
            maxAttempts: 3,
            concurrency: 8,
            webhookCacheSeconds: 0,
            region: "eu-west-1",
        });
        assert.ok(Object.isFrozen(config) && Object.isFrozen(config.serviceNames));
    });

    it("GIVEN optional variables as empty strings WHEN loaded THEN they count as unset", () => {
        assert.deepEqual(loadConfig({ ...BASE, REMINDER_MINUTES: "", SERVICE_NAMES: " ", ALARM_NAME_PREFIX: "", AWS_REGION: "" }), loadConfig(BASE));
    });

    const rejected: ReadonlyArray<[string, Record<string, string>, string]> = [
        [
            "SLACK_WEBHOOK_SECRET_ARN unset",
            { DEDUPE_TABLE: "t-1", APP_NAME: "demo", ENVIRONMENT: "live" },
            "SLACK_WEBHOOK_SECRET_ARN is not set: expected the ARN of the Secrets Manager secret holding the webhook URL",
        ],
        [
            "SLACK_WEBHOOK_SECRET_ARN holding the webhook URL itself",
            { ...BASE, SLACK_WEBHOOK_SECRET_ARN: "demo-live-slack-webhook" },
            'SLACK_WEBHOOK_SECRET_ARN="demo-live-slack-webhook" is not allowed: expected the ARN of the Secrets Manager secret holding the webhook URL',
        ],
        [
            "SLACK_WEBHOOK_SECRET_ARN of an SSM parameter",
            { ...BASE, SLACK_WEBHOOK_SECRET_ARN: "arn:aws:ssm:eu-west-1:123456789012:parameter/slack" },
            'SLACK_WEBHOOK_SECRET_ARN="arn:aws:ssm:eu-west-1:123456789012:parameter/slack" is not allowed: expected the ARN of the Secrets Manager secret holding the webhook URL',
        ],
        ["DEDUPE_TABLE unset", { ...BASE, DEDUPE_TABLE: "" }, "DEDUPE_TABLE is not set: expected a DynamoDB table name (3-255 letters, digits, _ . -)"],
        [
            "DEDUPE_TABLE with a slash",
            { ...BASE, DEDUPE_TABLE: "demo/live" },
            'DEDUPE_TABLE="demo/live" is not allowed: expected a DynamoDB table name (3-255 letters, digits, _ . -)',
        ],
        ["APP_NAME unset", { ...BASE, APP_NAME: "" }, "APP_NAME is not set: expected the app name, 2-20 lowercase letters, digits or hyphens, e.g. demo"],
        [
            "ENVIRONMENT in capitals",
            { ...BASE, ENVIRONMENT: "Live" },
            'ENVIRONMENT="Live" is not allowed: expected the environment name, 2-20 lowercase letters, digits or hyphens, e.g. live',
        ],
        ["REMINDER_MINUTES=2", { ...BASE, REMINDER_MINUTES: "2" }, 'REMINDER_MINUTES="2" is not allowed: expected an integer number of minutes from 5 to 1440'],
        [
            "SLACK_TIMEOUT_MS=1.5s",
            { ...BASE, SLACK_TIMEOUT_MS: "1.5s" },
            'SLACK_TIMEOUT_MS="1.5s" is not allowed: expected an integer number of milliseconds from 100 to 30000',
        ],
        ["SLACK_MAX_ATTEMPTS=0", { ...BASE, SLACK_MAX_ATTEMPTS: "0" }, 'SLACK_MAX_ATTEMPTS="0" is not allowed: expected an integer from 1 to 10'],
        ["CONCURRENCY=100", { ...BASE, CONCURRENCY: "100" }, 'CONCURRENCY="100" is not allowed: expected an integer from 1 to 16'],
        [
            "WEBHOOK_CACHE_SECONDS=-1",
            { ...BASE, WEBHOOK_CACHE_SECONDS: "-1" },
            'WEBHOOK_CACHE_SECONDS="-1" is not allowed: expected an integer number of seconds from 0 to 3600',
        ],
        [
            "SERVICE_NAMES with an empty entry",
            { ...BASE, SERVICE_NAMES: "web,,worker" },
            'SERVICE_NAMES="web,,worker" is not allowed: "" is not a service name (2-20 lowercase letters, digits or hyphens)',
        ],
        [
            "AWS_REGION that is not a region code",
            { ...BASE, AWS_REGION: "EU (Ireland)" },
            'AWS_REGION="EU (Ireland)" is not allowed: expected a region code such as eu-west-1',
        ],
    ];
    for (const [label, env, message] of rejected) {
        it(`GIVEN ${label} WHEN loaded THEN a ConfigError names the variable and says what is allowed`, () => {
            assert.throws(() => loadConfig(env), { name: "ConfigError", message });
        });
    }
});
