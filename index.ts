/**
 * The program: settings for this stack -> the few lookups -> the environment -> stack outputs.
 * Configuration is read and validated in `stacks/`, and the lookups made, before any resource is
 * created; the wiring lives in `environment/`.
 */
import { Environment } from "./environment/environment";
import { loadSettings } from "./stacks";
import { lookUp } from "./stacks/lookups";

/**
 * Entry point. The Pulumi Node.js host calls an exported function inside the stack and uses its
 * result as the stack outputs; the test harness calls the same function under the mock runtime.
 */
export = async () => {
    const settings = loadSettings();
    const found = await lookUp(settings);
    return new Environment(settings.app, { settings, found }).outputs;
};
