/**
 * A fixture stack's settings, or the refusal of them: the helpers of the tests that try keys on
 * the suite's own stack files.
 */
import * as assert from "assert/strict";
import { ConfigOverrides, stackConfig, stackServices } from "../../offline/stackConfig";
import { buildSettings, SettingsError } from "../../stacks";

/** The stack file's services with some services' fields replaced (undefined removes a field) or services added. */
export function servicesWith(stack: string, changes: Record<string, Record<string, unknown>>): Record<string, unknown> {
    const services: Record<string, Record<string, unknown>> = { ...stackServices(stack) };
    for (const [name, fields] of Object.entries(changes)) services[name] = { ...(services[name] ?? {}), ...fields };
    return services;
}

/** The refusal of a stack's settings, as its message; fails the test when the settings are accepted. */
export function problemsOf(stack: string, overrides: ConfigOverrides): string {
    try {
        buildSettings(stack, stackConfig(stack, overrides));
    } catch (e) {
        assert.ok(e instanceof SettingsError, `expected SettingsError, got ${String(e)}`);
        return e.message;
    }
    assert.fail(`stack ${stack} accepted ${JSON.stringify(overrides)}`);
}
