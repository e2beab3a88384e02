/**
 * Messages and schedules: a Worker Service's `subscribe` (topics, filter policies, its queue), any
 * service's `publish` (topics, FIFO), a Scheduled Job's `on.schedule`, `timeout` and `retries`, as
 * the keys of topics, queue workers and jobs.
 */
import { at, child, LNode, plain } from "./located";
import { durationMs, toSchedule } from "./forms";
import { Service } from "./stack";
import { noter, WorkloadContext } from "./context";

export function mapSubscribe(m: LNode, ctx: WorkloadContext, svc: Service): void {
    const { findings, name } = ctx;
    const note = noter(ctx);
    const sub = child(m, "subscribe");
    if (!sub) return;
    const topics: Record<string, unknown>[] = [];
    const queue: Record<string, unknown> = {};
    const queueFields = (q: LNode | undefined, shared: boolean) => {
        if (!q || q.kind !== "map") return;
        const where = shared ? "" : " (a topic's own queue is merged into the worker's one queue)";
        const timeout = child(q, "timeout");
        const ms = timeout ? durationMs(plain(timeout)) : undefined;
        if (timeout && ms !== undefined) {
            queue.visibilitySeconds = Math.round(ms / 1000);
            note(timeout, shared ? "carried" : "approximate", `services.${name}.subscribe.queue.visibilitySeconds: ${String(queue.visibilitySeconds)}${where}`);
        }
        const tries = at(q, "dead_letter", "tries");
        if (tries) {
            queue.maxReceives = Number(plain(tries));
            note(
                tries,
                shared ? "carried" : "approximate",
                `services.${name}.subscribe.queue.maxReceives: ${String(queue.maxReceives)}, then the dead-letter queue${where}`,
            );
        }
        findings.read(child(q, "dead_letter"));
        const fifo = child(q, "fifo");
        if (fifo) {
            const on = fifo.kind === "map" || plain(fifo) === true;
            if (on) queue.fifo = true;
            note(
                fifo,
                fifo.kind === "map" ? "approximate" : "carried",
                `services.${name}.subscribe.queue.fifo: ${String(on)}${fifo.kind === "map" ? "; deduplication and throughput options are SQS's defaults" : ""}`,
            );
        }
        note(child(q, "retention"), "not carried", "message retention is SQS's default (4 days)");
        note(child(q, "delay"), "not carried", "delivery delay: messages are delivered at once");
        findings.read(q);
    };
    const list = child(sub, "topics");
    for (const t of list?.kind === "seq" ? list.items : []) {
        const topicName = plain(child(t, "name"));
        const from = plain(child(t, "service"));
        const entry: Record<string, unknown> = { topic: `${String(from)}.${String(topicName)}` };
        note(child(t, "name"), "carried", `services.${name}.subscribe.topics includes ${String(entry.topic)}`);
        note(child(t, "service"), "carried", `the publisher of ${String(entry.topic)}`);
        const filter = child(t, "filter_policy");
        if (filter) {
            entry.filter = plain(filter);
            note(filter, "carried", `the subscription's filter policy (subscribe.topics[].filter)`);
        }
        const q = child(t, "queue");
        if (q?.kind === "scalar") note(q, "approximate", "a topic's own queue is merged into the worker's one queue");
        else queueFields(q, false);
        topics.push(entry);
        findings.read(t);
    }
    queueFields(child(sub, "queue"), true);
    svc.subscribe = { topics, ...(Object.keys(queue).length > 0 ? { queue } : {}) };
    findings.read(sub);
    findings.read(list);
}

export function mapPublish(m: LNode, ctx: WorkloadContext, svc: Service): void {
    const { findings, env, name } = ctx;
    const topics = at(m, "publish", "topics");
    if (!topics || topics.kind !== "seq") return;
    const out: unknown[] = [];
    for (const t of topics.items) {
        const topic = plain(child(t, "name"));
        const fifo = child(t, "fifo");
        const isFifo = fifo !== undefined && (fifo.kind === "map" || plain(fifo) === true);
        out.push(isFifo ? { name: topic, fifo: true } : topic);
        findings.note(child(t, "name"), env, "carried", `services.${name}.publish includes ${String(topic)}${isFifo ? " (FIFO)" : ""}`);
        if (fifo)
            findings.note(
                fifo,
                env,
                fifo.kind === "map" ? "approximate" : "carried",
                `fifo: ${String(isFifo)}${fifo.kind === "map" ? "; deduplication options are SNS's defaults" : ""}`,
            );
        findings.note(
            child(t, "allowed_workers"),
            env,
            "approximate",
            "a worker subscribes by naming the topic in its own subscribe; the topic admits the workers that do",
        );
        findings.read(t);
    }
    svc.publish = out;
    findings.read(child(m, "publish"));
}

export function mapJob(m: LNode, ctx: WorkloadContext, svc: Service): void {
    const { findings, env, name } = ctx;
    const schedule = at(m, "on", "schedule");
    findings.read(child(m, "on"));
    if (schedule) {
        const s = toSchedule(plain(schedule));
        if (s.value) {
            svc.schedule = s.value;
            findings.note(
                schedule,
                env,
                s.approximate ? "approximate" : "carried",
                `services.${name}.schedule: ${s.value}${s.approximate ? `: ${s.approximate}` : ""}`,
            );
        } else findings.note(schedule, env, "not carried", s.problem ?? "not a schedule");
    }
    const timeout = child(m, "timeout");
    if (timeout) {
        const ms = durationMs(plain(timeout));
        if (ms === undefined || ms <= 0) findings.note(timeout, env, "not carried", `not a duration: ${String(plain(timeout))}`);
        else {
            svc.timeoutMinutes = Math.ceil(ms / 60_000);
            findings.note(
                timeout,
                env,
                ms % 60_000 === 0 ? "carried" : "approximate",
                `services.${name}.timeoutMinutes: ${String(svc.timeoutMinutes)}${ms % 60_000 === 0 ? "" : " (rounded up to whole minutes)"}`,
            );
        }
    }
    const retries = child(m, "retries");
    if (retries) {
        svc.retries = Number(plain(retries));
        findings.note(retries, env, "carried", `services.${name}.retries: ${String(svc.retries)}`);
    }
}
