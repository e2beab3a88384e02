/**
 * Loaded before every test file (.mocharc.json). Platform tests pin exact resources, names and
 * counts, so they run on the suite's own stack files in test/fixtures/, never on the team's
 * committed ones: editing a Pulumi.<env>.yaml (a service, a host, a new stack) moves no test here.
 * The team's stacks are checked by invariants (test/teamStacks.test.ts), which name their folder.
 * Child processes (the plan and release CLIs under test) inherit the setting.
 */
import * as path from "path";
import { readOfflineAnswers } from "../offline/cloud";

export const FIXTURES = path.join(__dirname, "fixtures");
process.env.SHIPYARD_STACK_CONFIG_DIR = FIXTURES;

/** What the fixtures' cloud answers (test/fixtures/offline-cloud.yaml and bootstrap/): the expected ranges and zone ids. */
export const FIXTURE_CLOUD = readOfflineAnswers(FIXTURES);
