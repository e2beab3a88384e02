/**
 * The alarm notifier's pure parts, table-tested: alarm names, ARNs, conditions, durations, Block
 * Kit limits, Retry-After, backoff, webhook URL validation and log redaction.
 */

import * as assert from "node:assert/strict";

import {
    consoleUrl,
    describeCondition,
    parseAlarmMessage,
    parseAlarmName,
    parseAwsTime,
    regionOfArn,
    type Condition,
} from "../../functions/alarmNotifier/alarm";
import { Redactor } from "../../functions/alarmNotifier/log";
import { cut, escapeMrkdwn, formatDuration, HEADER_MAX, transitionMessage } from "../../functions/alarmNotifier/slack";
import { backoffMs, retryAfterMs, SLACK_WEBHOOK_ORIGIN, validateWebhookUrl } from "../../functions/alarmNotifier/webhook";

describe("alarm notifier formatting and parsing (functions/alarmNotifier)", () => {
    describe("alarm names <app>-<env>-<service>-<what>", () => {
        const cases: ReadonlyArray<[string, readonly string[], { service: string; what: string } | undefined]> = [
            ["demo-live-web-deploy-5xx", [], { service: "web", what: "deploy-5xx" }],
            ["demo-live-web-5xx", [], { service: "web", what: "5xx" }],
            ["demo-live-web-api-5xx", [], { service: "web", what: "api-5xx" }],
            ["demo-live-web-api-5xx", ["web", "web-api"], { service: "web-api", what: "5xx" }],
            ["demo-live-web-5xx", ["web-api"], { service: "web", what: "5xx" }],
            ["demo-beta-web-5xx", [], undefined],
            ["demo-live-web", [], undefined],
            ["demo-live-web-", [], undefined],
            ["EXAMPLE", [], undefined],
        ];
        for (const [name, services, expected] of cases) {
            it(`GIVEN ${name}${services.length > 0 ? ` and SERVICE_NAMES ${services.join(",")}` : ""} WHEN parsed for demo/live THEN ${expected === undefined ? "it is not recognised" : `service ${expected.service}, what ${expected.what}`}`, () => {
                // SERVICE_NAMES arrive longest first from the configuration.
                const sorted = [...services].sort((a, b) => b.length - a.length);
                assert.deepEqual(parseAlarmName(name, "demo", "live", sorted), expected);
            });
        }
    });

    it("GIVEN ARNs WHEN their region is read THEN only a real region code counts (AWS's EXAMPLE ARNs say REGION)", () => {
        assert.equal(regionOfArn("arn:aws:cloudwatch:eu-west-1:123456789012:alarm:demo-live-web-5xx"), "eu-west-1");
        assert.equal(regionOfArn("arn:aws:sns:us-gov-west-1:123456789012:topic"), "us-gov-west-1");
        assert.equal(regionOfArn("arn:aws:cloudwatch:REGION:ACCOUNT_NUMBER:alarm:EXAMPLE"), undefined);
        assert.equal(regionOfArn("arn:aws:sns:EXAMPLE"), undefined);
        assert.equal(regionOfArn(undefined), undefined);
    });

    it("GIVEN an alarm name with spaces, slashes and a pipe WHEN linked THEN it is URL-encoded, so it cannot break the mrkdwn <url|label> link", () => {
        assert.equal(
            consoleUrl("eu-west-1", "demo live/web|5xx > 5%"),
            "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/demo%20live%2Fweb%7C5xx%20%3E%205%25",
        );
    });

    it("GIVEN CloudWatch's StateChangeTime format (+0000 without a colon) WHEN parsed THEN it is the right instant", () => {
        assert.equal(parseAwsTime("2015-06-03T17:43:27.123+0000"), Date.parse("2015-06-03T17:43:27.123Z"));
        assert.equal(parseAwsTime("2026-11-23T18:04:27.000+0200"), Date.parse("2026-11-23T16:04:27.000Z"));
        assert.equal(parseAwsTime("yesterday"), undefined);
    });

    describe("messages that are not alarm notifications", () => {
        const valid = { AlarmName: "a", NewStateValue: "ALARM", NewStateReason: "r", StateChangeTime: "2026-11-23T16:04:27.123+0000" };
        const cases: ReadonlyArray<[string, string, string]> = [
            ["plain text", "hello", "message is not JSON"],
            ["a JSON array", "[1]", "message is not a JSON object"],
            ["an S3 event", '{"Records":[{"eventSource":"aws:s3"}]}', "not a CloudWatch alarm notification: no AlarmName"],
            ["an unknown state", JSON.stringify({ ...valid, NewStateValue: "FIRING" }), "NewStateValue is not one of ALARM, OK, INSUFFICIENT_DATA"],
            ["no StateChangeTime", JSON.stringify({ ...valid, StateChangeTime: undefined }), "StateChangeTime is not a timestamp"],
            ["no NewStateReason", JSON.stringify({ ...valid, NewStateReason: undefined }), "NewStateReason is missing"],
        ];
        for (const [label, message, reason] of cases) {
            it(`GIVEN ${label} WHEN parsed THEN it is rejected: ${reason}`, () => {
                assert.deepEqual(parseAlarmMessage(message), { ok: false, reason });
            });
        }
    });

    describe("conditions", () => {
        const base: Condition = { dimensions: [], metrics: [] };
        const cases: ReadonlyArray<[string, Condition, string]> = [
            [
                "a p99 with datapoints to alarm",
                {
                    ...base,
                    namespace: "AWS/ApplicationELB",
                    metricName: "TargetResponseTime",
                    statistic: "p99",
                    period: 60,
                    evaluationPeriods: 3,
                    datapointsToAlarm: 2,
                    comparisonOperator: "GreaterThanThreshold",
                    threshold: 2,
                },
                "AWS/ApplicationELB TargetResponseTime: p99 > 2, 2 of 3 periods of 60 s",
            ],
            [
                "SNS's SAMPLE_COUNT, less than or equal",
                {
                    ...base,
                    namespace: "AWS/SQS",
                    metricName: "NumberOfMessagesSent",
                    statistic: "SAMPLE_COUNT",
                    comparisonOperator: "LessThanOrEqualToThreshold",
                    threshold: 0,
                },
                "AWS/SQS NumberOfMessagesSent: SampleCount <= 0",
            ],
            [
                "an anomaly detection band",
                {
                    ...base,
                    namespace: "AWS/EC2",
                    metricName: "CPUUtilization",
                    statistic: "Average",
                    comparisonOperator: "LessThanLowerOrGreaterThanUpperThreshold",
                    period: 300,
                },
                "AWS/EC2 CPUUtilization: Average outside the anomaly band, period 300 s",
            ],
            [
                "metric math without a label",
                {
                    ...base,
                    comparisonOperator: "GreaterThanThreshold",
                    threshold: 5,
                    evaluationPeriods: 1,
                    metrics: [
                        { id: "e", expression: "100*(m1/m2)", returnData: true },
                        { id: "m1", namespace: "AWS/ApplicationELB", metricName: "HTTPCode_Target_5XX_Count", returnData: false },
                        { id: "m2", namespace: "AWS/ApplicationELB", metricName: "RequestCount", returnData: false },
                    ],
                },
                "100*(m1/m2) > 5, over 1 period (from AWS/ApplicationELB HTTPCode_Target_5XX_Count, AWS/ApplicationELB RequestCount)",
            ],
            ["nothing known", base, "unknown metric"],
        ];
        for (const [label, condition, text] of cases) {
            it(`GIVEN ${label} WHEN described THEN: ${text}`, () => {
                assert.equal(describeCondition(condition), text);
            });
        }
    });

    describe("durations", () => {
        const cases: ReadonlyArray<[number, string]> = [
            [59_999, "less than a minute"],
            [60_000, "1 minute"],
            [47 * 60_000 + 59_000, "47 minutes"],
            [60 * 60_000, "1 hour"],
            [125 * 60_000, "2 hours 5 minutes"],
            [48 * 3_600_000, "2 days"],
            [52 * 3_600_000 + 30 * 60_000, "2 days 4 hours"],
        ];
        for (const [ms, text] of cases) {
            it(`GIVEN ${ms} ms WHEN formatted THEN "${text}"`, () => assert.equal(formatDuration(ms), text));
        }
    });

    describe("Block Kit limits and escaping", () => {
        it("GIVEN text with <, > and & WHEN escaped for mrkdwn THEN they cannot open a link or a mention", () => {
            assert.equal(escapeMrkdwn("<!channel> a & b > c"), "&lt;!channel&gt; a &amp; b &gt; c");
        });

        it("GIVEN text longer than the limit WHEN cut THEN it ends in an ellipsis within the limit and never in the middle of an entity", () => {
            assert.equal(cut("abcdef", 6), "abcdef");
            assert.equal(cut("abcdefg", 6), "abcde…");
            assert.equal(cut("abc &amp; def", 7), "abc …");
        });

        it("GIVEN a 255-character alarm name, a 1024-character description and a 5000-character reason WHEN made a message THEN every block is within Slack's limits", () => {
            const alarm = {
                name: "n".repeat(255),
                description: "d".repeat(1024),
                state: "ALARM" as const,
                reason: "r".repeat(5000),
                changedAt: 0,
                condition: { dimensions: [], metrics: [{ id: "e", expression: "x".repeat(3000), label: "l", returnData: true }] },
            };
            const { blocks } = transitionMessage(alarm, { environment: "live", region: "eu-west-1" }, 60_000);
            const texts = blocks.flatMap((b) => ("text" in b ? [b.text.text] : "fields" in b ? b.fields.map((f) => f.text) : b.elements.map((e) => e.text)));
            assert.equal(blocks[0].type === "header" && blocks[0].text.text.length, HEADER_MAX);
            for (const text of texts) assert.ok(text.length <= 3000, `${text.length} characters`);
            const fields = blocks.flatMap((b) => ("fields" in b ? b.fields : []));
            for (const f of fields) assert.ok(f.text.length <= 2000, `${f.text.length} characters`);
        });
    });

    describe("Retry-After and backoff", () => {
        const now = Date.parse("2026-11-23T16:07:12.000Z");
        it("GIVEN Retry-After in seconds, as an HTTP date, absent or garbage WHEN read THEN milliseconds, or undefined", () => {
            assert.equal(retryAfterMs("0", now), 0);
            assert.equal(retryAfterMs("1", now), 1000);
            assert.equal(retryAfterMs("Mon, 23 Nov 2026 16:07:15 GMT", now), 3000);
            assert.equal(retryAfterMs("Mon, 23 Nov 2026 16:07:00 GMT", now), 0);
            assert.equal(retryAfterMs(null, now), undefined);
            assert.equal(retryAfterMs("soon", now), undefined);
        });

        it("GIVEN the largest jitter WHEN retries go on THEN the backoff doubles from 250 ms and stops growing at 8 s", () => {
            assert.deepEqual(
                [1, 2, 3, 4, 5, 6, 7].map((n) => backoffMs(n, () => 0.9999)),
                [249, 499, 999, 1999, 3999, 7999, 7999],
            );
            assert.equal(
                backoffMs(3, () => 0),
                0,
            );
        });
    });

    describe("webhook URLs", () => {
        it("GIVEN a Slack incoming-webhook URL (with stray whitespace from a copy-paste) WHEN validated THEN it is accepted", () => {
            assert.equal(
                validateWebhookUrl(" https://hooks.slack.com/services/T0001/B0002/abcDEF123 \n", SLACK_WEBHOOK_ORIGIN),
                "https://hooks.slack.com/services/T0001/B0002/abcDEF123",
            );
        });

        const rejected: ReadonlyArray<[string, string, RegExp]> = [
            ["not a URL", "hooks.slack.com/services/T0001/B0002/abcDEF123", /^the secret's value is not a URL/],
            ["plain http", "http://hooks.slack.com/services/T0001/B0002/abcDEF123", /is not on https:\/\/hooks\.slack\.com/],
            ["another host", "https://hooks.slack.com.evil.example/services/T0001/B0002/abcDEF123", /is not on https:\/\/hooks\.slack\.com/],
            ["credentials", "https://user:pw@hooks.slack.com/services/T0001/B0002/abcDEF123", /is not a Slack incoming-webhook URL/],
            ["a workflow trigger", "https://hooks.slack.com/triggers/T0001/123/abcDEF123", /is not a Slack incoming-webhook URL/],
            ["a query string", "https://hooks.slack.com/services/T0001/B0002/abcDEF123?x=1", /is not a Slack incoming-webhook URL/],
        ];
        for (const [label, url, message] of rejected) {
            it(`GIVEN ${label} WHEN validated THEN it is refused without quoting the value`, () => {
                assert.throws(
                    () => validateWebhookUrl(url, SLACK_WEBHOOK_ORIGIN),
                    (err: Error) => err.name === "WebhookSecretError" && message.test(err.message) && !err.message.includes("abcDEF123"),
                );
            });
        }
    });

    it("GIVEN a webhook URL known to the redactor WHEN text quotes it whole or in parts THEN every secret part is replaced, and the words around it are kept", () => {
        const redactor = new Redactor();
        redactor.addUrl("https://hooks.slack.com/services/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");
        assert.equal(
            redactor.apply(
                "POST https://hooks.slack.com/services/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 failed; token Xq7vTk2LmN9pRs4WzY8bC3dE; expected https://hooks.slack.com/services/...",
            ),
            "POST [redacted] failed; token [redacted]; expected https://hooks.slack.com/services/...",
        );
    });
});
