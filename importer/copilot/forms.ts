/**
 * Copilot's value forms and what EventBridge and our keys take instead: durations (`1h30m`,
 * `250ms`, `96h`, `5d`) and schedules (`@daily`, `@every 1h30m`, `rate(...)`, five-field cron,
 * `cron(...)` with six fields). Pure functions, table-tested.
 */

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Milliseconds of a Copilot duration: Go's form (`1h30m`, `250ms`, `10s`), plus `d` for days as
 * the queue retention takes it; a bare number is seconds. Undefined when it is not one.
 */
export function durationMs(value: unknown): number | undefined {
    if (typeof value === "number" && Number.isFinite(value) && value >= 0) return value * 1000;
    if (typeof value !== "string") return undefined;
    const text = value.trim();
    if (!/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(text)) return undefined;
    let total = 0;
    for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) total += Number(m[1]) * UNIT_MS[m[2]];
    return total;
}

/** The outcome of turning a Copilot value into ours: the value, or why it cannot be carried, and whether it is only close. */
export interface Converted<T> {
    readonly value?: T;
    /** Set when the value is only close to Copilot's: what differs. */
    readonly approximate?: string;
    /** Set when there is no value: why. */
    readonly problem?: string;
}

/** Copilot's keywords and the ones our `schedule` takes as they are. */
const KEYWORDS: Readonly<Record<string, string>> = {
    "@yearly": "@yearly",
    "@annually": "@yearly",
    "@monthly": "@monthly",
    "@weekly": "@weekly",
    "@daily": "@daily",
    "@midnight": "@daily",
    "@hourly": "@hourly",
};

/** `rate(n unit)` with EventBridge's rule: singular unit for 1, plural above; whole minutes, hours or days. */
export function rateOfMinutes(minutes: number): string {
    const [n, unit] = minutes % 1440 === 0 ? [minutes / 1440, "day"] : minutes % 60 === 0 ? [minutes / 60, "hour"] : [minutes, "minute"];
    return `rate(${n} ${unit}${n === 1 ? "" : "s"})`;
}

const DAY_NAMES = /^(SUN|MON|TUE|WED|THU|FRI|SAT)$/i;

/** A standard cron day-of-week (0-7, 0 and 7 Sunday) in EventBridge's numbering (1-7, 1 Sunday); names stay. */
function dayOfWeek(field: string): string | undefined {
    const one = (d: string): string | undefined => {
        if (DAY_NAMES.test(d)) return d.toUpperCase();
        if (!/^\d$/.test(d) || Number(d) > 7) return undefined;
        return String((Number(d) % 7) + 1);
    };
    const parts: string[] = [];
    for (const item of field.split(",")) {
        const [range, step] = item.split("/");
        if (step !== undefined && !/^\d+$/.test(step)) return undefined;
        let out: string | undefined;
        if (range === "*") out = "*";
        else if (range.includes("-")) {
            const [a, b] = range.split("-").map(one);
            // 5-0 (Friday to Sunday) wraps in cron; EventBridge's ranges do not: 6-1 is refused, so keep to a list.
            out = a && b ? `${a}-${b}` : undefined;
            if (a && b && /^\d$/.test(a) && /^\d$/.test(b) && Number(a) > Number(b)) out = undefined;
        } else out = one(range);
        if (out === undefined) return undefined;
        parts.push(step !== undefined ? `${out === "*" ? "1" : out}/${step}` : out);
    }
    return parts.join(",");
}

/**
 * A Copilot `on.schedule` as our job's `schedule` takes it (EventBridge's forms and the keywords):
 * keywords as they are, `@every <duration>` as a rate in whole minutes, `rate(...)` and
 * `cron(...)` as they are, five-field cron as EventBridge's six fields (a year of `*`, `?` in
 * the day field left open, days of the week renumbered from 0-7 to 1-7, `*` + `/n` steps from 0
 * or 1 since EventBridge steps need a start).
 */
export function toSchedule(text: unknown): Converted<string> {
    if (typeof text !== "string" || text.trim() === "") return { problem: "a schedule is a string" };
    const s = text.trim();
    const keyword = KEYWORDS[s.toLowerCase()];
    if (keyword) return { value: keyword, approximate: keyword !== s ? `${s} is ${keyword}` : undefined };
    const every = /^@every\s+(\S+)$/i.exec(s);
    if (every) {
        const ms = durationMs(every[1]);
        if (ms === undefined || ms <= 0) return { problem: `@every takes a duration such as 30m or 1h30m, not ${every[1]}` };
        if (ms < 60_000) return { problem: `EventBridge runs a schedule at most once a minute; @every ${every[1]} is more often` };
        const minutes = Math.round(ms / 60_000);
        const value = rateOfMinutes(minutes);
        return { value, approximate: ms % 60_000 !== 0 ? `rounded to whole minutes (${value})` : undefined };
    }
    if (/^rate\(.*\)$/.test(s)) {
        const m = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(s);
        if (!m || Number(m[1]) < 1) return { problem: "rate(value unit): a positive whole value and minute(s), hour(s) or day(s)" };
        const unit = m[2].replace(/s$/, "");
        // The same rate, with the singular or plural unit EventBridge insists on.
        return { value: `rate(${Number(m[1])} ${unit}${Number(m[1]) === 1 ? "" : "s"})` };
    }
    const cron = /^cron\((.*)\)$/.exec(s);
    if (cron) {
        const fields = cron[1].trim().split(/\s+/);
        if (fields.length !== 6)
            return { problem: `cron(...) takes EventBridge's 6 fields (minutes hours day-of-month month day-of-week year), this one has ${fields.length}` };
        if (fields[2] !== "?" && fields[4] !== "?") return { problem: "cron(...): one of day-of-month and day-of-week must be ?" };
        return { value: s };
    }
    const fields = s.split(/\s+/);
    if (fields.length !== 5)
        return {
            problem: `not a schedule Copilot takes: @yearly, @monthly, @weekly, @daily, @hourly, @every <duration>, rate(...), a 5-field cron or cron(...) with 6`,
        };
    const [minute, hour, dom, month, dow] = fields;
    const stepped = (f: string, start: string) => f.replace(/^\*\//, `${start}/`);
    const days = dayOfWeek(dow);
    if (days === undefined) return { problem: `day-of-week ${dow}: 0-7 or SUN-SAT, lists, ascending ranges and steps` };
    let domOut = stepped(dom, "1");
    let dowOut = days;
    if (dow === "*") dowOut = "?";
    else if (dom === "*") domOut = "?";
    else
        return {
            problem: `cron ${s}: standard cron runs when either day field matches; EventBridge takes one day field and ? in the other, so split it into two jobs`,
        };
    if (dow === "*" && dom === "*") domOut = "*";
    const value = `cron(${stepped(minute, "0")} ${stepped(hour, "0")} ${domOut} ${stepped(month, "1")} ${dowOut} *)`;
    return { value };
}
