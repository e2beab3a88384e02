/**
 * A person's answer to a deployment that ECS holds at an approval pause (a lifecycle hook of
 * `targetType: PAUSE`, see `approvalTimeoutMinutes`): continue it, or roll it back to the revision
 * that ran before. Both go through ECS's own ContinueServiceDeployment, which is what AWS documents
 * for a paused hook (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/continue-service-deployment.html):
 * the service's current deployment (describe-services), its hook in AWAITING_ACTION
 * (describe-service-deployments, `lifecycleHookDetails`), then continue-service-deployment with that
 * hook's id and CONTINUE or ROLLBACK. Nothing is redeployed: a rollback returns to the revision
 * still running behind the production listener.
 */
import { ReleaseError } from "./errors";
import { Runner, runAws } from "./runner";
import { ServiceDeployment, describeService } from "./rollout";

export type ApprovalAction = "CONTINUE" | "ROLLBACK";

/** ECS `LifecycleHookDetails` of a service deployment (describe-service-deployments). */
export interface LifecycleHookDetails {
    readonly hookId?: string;
    readonly targetType?: string;
    readonly status?: string;
    readonly expiresAt?: string;
    readonly timeoutAction?: string;
}

export interface PausedTarget {
    readonly cluster: string;
    readonly service: string;
    readonly region: string;
}

/**
 * Continues or rolls back the deployment of `target` that waits at its approval pause; returns a
 * line saying what was done. Fails, changing nothing, when the service has no deployment in
 * progress or the deployment is not waiting for a person.
 */
export async function answerPausedDeployment(run: Runner, target: PausedTarget, action: ApprovalAction): Promise<string> {
    const common = ["--region", target.region, "--output", "json"];
    const described = await describeService(run, target.cluster, target.service, common);
    const service = described.services?.[0];
    if (!service || service.status === "INACTIVE") {
        throw new ReleaseError(`ECS has no service ${target.service} in cluster ${target.cluster} (${target.region}): is the stack deployed?`);
    }
    const arn = service.currentServiceDeployment;
    if (!arn) throw new ReleaseError(`${target.service} has no service deployment that ECS can continue or roll back`);
    const found = (await runAws(run, ["ecs", "describe-service-deployments", "--service-deployment-arns", arn, ...common])) as {
        serviceDeployments?: readonly (ServiceDeployment & { lifecycleHookDetails?: readonly LifecycleHookDetails[] })[];
    };
    const deployment = found.serviceDeployments?.[0];
    const id = arn.split("/").pop();
    if (!deployment || deployment.status !== "IN_PROGRESS") {
        throw new ReleaseError(
            `the current deployment ${id} of ${target.service} is ${deployment?.status ?? "not found"}, not IN_PROGRESS: there is nothing to ${action === "CONTINUE" ? "approve" : "roll back"} at a pause`,
        );
    }
    const hook = deployment.lifecycleHookDetails?.find((h) => h.targetType === "PAUSE" && h.status === "AWAITING_ACTION");
    if (!hook?.hookId) {
        throw new ReleaseError(
            `the deployment ${id} of ${target.service} is IN_PROGRESS at stage ${deployment.lifecycleStage ?? "unknown"} but not waiting at an approval pause (no PAUSE hook in AWAITING_ACTION)`,
        );
    }
    await runAws(run, ["ecs", "continue-service-deployment", "--service-deployment-arn", arn, "--hook-id", hook.hookId, "--action", action, ...common]);
    return action === "CONTINUE"
        ? `approved: the deployment ${id} of ${target.service} continues to production traffic`
        : `rolling back: ECS returns ${target.service} to the revision it ran before the deployment ${id}`;
}
