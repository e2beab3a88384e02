export { DEFAULT_TIERS, ENVIRONMENTS, KEYS, KeyName, PROJECT, TIERS, Tier, defaultFor, stackNameProblem } from "./keys";
export { buildSettings, loadSettings, LoadBalancerSettings, NetworkSettings, RawConfig, ServiceSettings, Settings, SettingsError } from "./settings";
