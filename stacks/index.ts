export { ENVIRONMENTS, EnvName, KEYS, KeyName, PROJECT, defaultFor } from "./keys";
export { buildSettings, loadSettings, LoadBalancerSettings, NetworkSettings, RawConfig, ServiceSettings, Settings, SettingsError } from "./settings";
