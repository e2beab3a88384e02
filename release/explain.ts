/**
 * A failed rollout explains itself: verify-rollout reads the evidence of every service that did
 * not succeed, prints the diagnosis, and publishes it to the environment's alarm topic (the stack
 * output `alarmTopicArn`), where the alarm notifier posts it to Slack beside the alarms (its
 * message is the notifier's `DiagnosisMessage`, functions/alarmNotifier/diagnosis.ts).
 */
import { DiagnosisMessage } from "../functions/alarmNotifier/diagnosis";
import { Cause, diagnose, formatDiagnosis } from "./diagnosis";
import { gatherEvidence } from "./evidence";
import { RolloutTarget, fetchSnapshot } from "./rollout";
import { Runner, runAws } from "./runner";

/** SNS's limits: a subject of at most 100 printable ASCII characters; a message far below 256 KB here. */
const SUBJECT_MAX = 100;
const TEXT_MAX = 100_000;

/** Reads the evidence of one service's failed rollout and returns its diagnosis. */
export async function explainRollout(
    run: Runner,
    name: string,
    target: RolloutTarget,
): Promise<{ readonly text: string; readonly causes: readonly Cause[]; readonly headline: string }> {
    const evidence = await gatherEvidence(run, target, await fetchSnapshot(run, target));
    const causes = diagnose(evidence);
    const text = formatDiagnosis(name, evidence, causes);
    const first = text.slice(0, text.indexOf("\n"));
    return { text, causes, headline: first.slice(first.indexOf("diagnosis: ") + "diagnosis: ".length) };
}

/** Publishes a diagnosis to the alarm topic; returns the message id SNS gave it. */
export async function publishDiagnosis(run: Runner, topicArn: string, message: DiagnosisMessage): Promise<string> {
    const region = topicArn.split(":")[3];
    const subject = `${message.environment} ${message.service}: deployment ${message.state}: ${message.causes.join(", ") || "no known cause"}`
        .replace(/[^\x20-\x7e]/g, " ")
        .slice(0, SUBJECT_MAX);
    const body: DiagnosisMessage = { ...message, text: message.text.slice(0, TEXT_MAX) };
    const answer = (await runAws(run, [
        "sns",
        "publish",
        "--topic-arn",
        topicArn,
        "--subject",
        subject,
        "--message",
        JSON.stringify(body),
        ...(region ? ["--region", region] : []),
        "--output",
        "json",
    ])) as { MessageId?: string };
    return answer.MessageId ?? "?";
}
