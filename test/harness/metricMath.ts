/**
 * Evaluates the subset of CloudWatch metric math our alarms use, at one point in time: numbers,
 * metric ids, + - * /, comparisons, FILL(m, value), IF(condition, a, b) and MAX([a, b, ...]).
 * A metric id without a value is missing (undefined), as CloudWatch has no datapoint for it;
 * arithmetic on a missing value is missing. Lets tests check what an alarm computes from data,
 * instead of comparing the expression's text with itself.
 */
type Value = number | undefined;

export function evaluate(expression: string, data: Readonly<Record<string, number>>): Value {
    const tokens = expression.match(/\s*(\d+(?:\.\d+)?|[A-Za-z_][A-Za-z0-9_]*|>=|<=|[-+*/(),<>[\]])\s*/g)?.map((t) => t.trim()) ?? [];
    if (tokens.join("") !== expression.replace(/\s+/g, "")) throw new Error(`metric math: cannot tokenize ${expression}`);
    let i = 0;
    const peek = () => tokens[i];
    const take = (expected?: string) => {
        const t = tokens[i++];
        if (expected !== undefined && t !== expected) throw new Error(`metric math: expected ${expected} at token ${i} of ${expression}, got ${t}`);
        return t;
    };
    const arith = (a: Value, b: Value, f: (x: number, y: number) => number): Value => (a === undefined || b === undefined ? undefined : f(a, b));

    function comparison(): Value {
        const left = sum();
        const op = peek();
        if (op !== ">" && op !== ">=" && op !== "<" && op !== "<=") return left;
        take();
        const right = sum();
        if (left === undefined || right === undefined) return undefined;
        const result = op === ">" ? left > right : op === ">=" ? left >= right : op === "<" ? left < right : left <= right;
        return result ? 1 : 0;
    }
    function sum(): Value {
        let v = product();
        while (peek() === "+" || peek() === "-") {
            const op = take();
            const r = product();
            v = arith(v, r, op === "+" ? (x, y) => x + y : (x, y) => x - y);
        }
        return v;
    }
    function product(): Value {
        let v = atom();
        while (peek() === "*" || peek() === "/") {
            const op = take();
            const r = atom();
            v = arith(v, r, op === "*" ? (x, y) => x * y : (x, y) => (y === 0 ? NaN : x / y));
        }
        return v;
    }
    function args(): Value[] {
        take("(");
        const out = [comparison()];
        while (peek() === ",") {
            take();
            out.push(comparison());
        }
        take(")");
        return out;
    }
    function atom(): Value {
        const t = take();
        if (t === "(") {
            const v = comparison();
            take(")");
            return v;
        }
        if (/^\d/.test(t)) return Number(t);
        if (t === "FILL") {
            const [v, fill] = args();
            return v ?? fill;
        }
        if (t === "IF") {
            const [condition, a, b] = args();
            return condition === undefined ? undefined : condition !== 0 ? a : b;
        }
        if (t === "MAX") {
            take("(");
            take("[");
            const values: Value[] = [comparison()];
            while (peek() === ",") {
                take();
                values.push(comparison());
            }
            take("]");
            take(")");
            const present = values.filter((v): v is number => v !== undefined);
            return present.length === 0 ? undefined : Math.max(...present);
        }
        if (/^[A-Za-z_]/.test(t)) return data[t];
        throw new Error(`metric math: unexpected token ${t} in ${expression}`);
    }

    const value = comparison();
    if (i !== tokens.length) throw new Error(`metric math: trailing tokens in ${expression}`);
    return value;
}
