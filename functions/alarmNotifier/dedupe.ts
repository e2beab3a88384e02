/**
 * "Has this already been posted?", in DynamoDB, so that SNS redelivering a message, Lambda
 * retrying an invocation, or EventBridge Scheduler invoking twice never posts twice.
 *
 * A message is claimed before it is posted, with a conditional PutItem. The claim is a lease: it
 * holds until the invocation that made it can no longer be running (`leaseUntil`, epoch ms). Then:
 *
 * - posted: the item is written again without a lease (`postedAt`), and stays until its TTL;
 * - not posted: the claim is deleted, so the retry Lambda makes (and after it the DLQ redrive) can post;
 * - the invocation died between claim and outcome (timeout, crash): the lease runs out, and the
 *   retry may claim again. With a plain `attribute_not_exists(id)` that message would be skipped
 *   as "already handled" by every retry, and lost without reaching the dead-letter queue.
 *
 * Items expire through the table's TTL on `expiresAt` (epoch seconds), a day after the claim:
 * longer than SNS and Lambda keep retrying one message.
 */

import { DeleteItemCommand, PutItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";

export const DEDUPE_TTL_SECONDS = 86_400;
export const CLAIM_CONDITION = "attribute_not_exists(id) OR leaseUntil < :now";

export type Claim = "claimed" | "duplicate";

export class DedupeStore {
    constructor(
        private readonly client: DynamoDBClient,
        private readonly table: string,
        private readonly now: () => number,
    ) {}

    private expiresAt(): { readonly N: string } {
        return { N: String(Math.floor(this.now() / 1000) + DEDUPE_TTL_SECONDS) };
    }

    /** "duplicate" when the id was posted already, or is being posted by an invocation that may still be running. */
    async claim(id: string, leaseUntil: number): Promise<Claim> {
        try {
            await this.client.send(
                new PutItemCommand({
                    TableName: this.table,
                    Item: { id: { S: id }, expiresAt: this.expiresAt(), leaseUntil: { N: String(leaseUntil) } },
                    ConditionExpression: CLAIM_CONDITION,
                    ExpressionAttributeValues: { ":now": { N: String(this.now()) } },
                }),
            );
            return "claimed";
        } catch (err) {
            if (err instanceof Error && err.name === "ConditionalCheckFailedException") return "duplicate";
            throw err;
        }
    }

    /** Marks the id as posted for good (until its TTL): without `leaseUntil`, the claim condition can never match it again. */
    async confirm(id: string): Promise<void> {
        await this.client.send(
            new PutItemCommand({ TableName: this.table, Item: { id: { S: id }, expiresAt: this.expiresAt(), postedAt: { N: String(this.now()) } } }),
        );
    }

    /** Gives the id back after a failed post, so a retry can post it. */
    async release(id: string): Promise<void> {
        await this.client.send(new DeleteItemCommand({ TableName: this.table, Key: { id: { S: id } } }));
    }
}
