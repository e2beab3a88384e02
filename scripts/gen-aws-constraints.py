#!/usr/bin/env python3
"""
Generates lib/awsConstraints.generated.json: the constraints AWS's own service models put on the
inputs of every resource type the programs create (string lengths and patterns, enums, numeric
ranges, list sizes), keyed by Pulumi type token and input path.

The models are botocore's (`botocore/data/<service>/<api version>/service-2.json`), read as data
from Debian's python3-botocore package (no import: a pip-installed botocore elsewhere on the path
must not change the table). The mapping from Pulumi inputs to API members is hand-written below
(MAPPING), one readable row per field; the generator fails when a row names a member the model
does not have, so the table never silently loses a field.

    apt-get install -y python3-botocore
    python3 scripts/gen-aws-constraints.py [--botocore-dir DIR] [--out FILE]

Checked by offline/conformance.ts; hand rules for what the models do not say live in
offline/conformanceRules.ts.
"""
import argparse
import datetime
import json
import os
import re
import subprocess
import sys

DEFAULT_BOTOCORE = "/usr/lib/python3/dist-packages/botocore"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(ROOT, "lib", "awsConstraints.generated.json")

# Path syntax, on both sides: `a.b` a member, `a[]` each element of a list, `a{}` each value of a
# map, `a{key}` each key of a map. On the Pulumi side, `a<json>` parses a JSON string input first
# (containerDefinitions, policies). API member names are the model's (CreateTargetGroup's
# `HealthCheckPath`); an API path of the form `Tags[].Key` lets a Pulumi map's keys take the
# constraints of the list-of-Tag shape the API has instead.


def tags(pulumi_type, service, operation, key="Tags[].Key", value="Tags[].Value"):
    """The tag map every taggable resource has, held to its service's Tag shapes."""
    return [
        (pulumi_type, "tags{key}", service, operation, key),
        (pulumi_type, "tags{}", service, operation, value),
    ]


# Each row: (Pulumi type token, Pulumi input path, botocore service, operation, API member path)
# and, optionally, a dict of options:
#   autoname: the provider names the resource `<logical name>-<random>` when the input is absent
#   skip: constraint kinds of this model version not to apply, with the reason (a newer API
#         accepts more than this 2022 model: new enum values, relaxed bounds); a hand rule in
#         offline/conformanceRules.ts then says what AWS accepts today, with its source.
LB = "aws:lb/loadBalancer:LoadBalancer"
TG = "aws:lb/targetGroup:TargetGroup"
LISTENER = "aws:lb/listener:Listener"
RULE = "aws:lb/listenerRule:ListenerRule"
SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
POLICY = "aws:iam/policy:Policy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
OIDC = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
EVENT_RULE = "aws:cloudwatch/eventRule:EventRule"
FUNCTION = "aws:lambda/function:Function"
INVOKE_CONFIG = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"
SCHEDULE = "aws:scheduler/schedule:Schedule"
TOPIC = "aws:sns/topic:Topic"
STATE_MACHINE = "aws:sfn/stateMachine:StateMachine"
PARAMETER = "aws:ssm/parameter:Parameter"
SECRET = "aws:secretsmanager/secret:Secret"
ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"
CLUSTER = "aws:ecs/cluster:Cluster"
SERVICE = "aws:ecs/service:Service"
TASK = "aws:ecs/taskDefinition:TaskDefinition"
DB = "aws:rds/instance:Instance"
DB_PARAMS = "aws:rds/parameterGroup:ParameterGroup"
DB_SUBNETS = "aws:rds/subnetGroup:SubnetGroup"
BUCKET = "aws:s3/bucket:Bucket"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
WEB_ACL = "aws:wafv2/webAcl:WebAcl"
IP_SET = "aws:wafv2/ipSet:IpSet"
VAULT = "aws:backup/vault:Vault"
PLAN = "aws:backup/plan:Plan"
SELECTION = "aws:backup/selection:Selection"
KEY = "aws:kms/key:Key"
ALIAS = "aws:kms/alias:Alias"
CERT = "aws:acm/certificate:Certificate"
REPO = "aws:ecr/repository:Repository"
REPO_LIFECYCLE = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
NAMESPACE = "aws:servicediscovery/httpNamespace:HttpNamespace"
SCALING_TARGET = "aws:appautoscaling/target:Target"
SCALING_POLICY = "aws:appautoscaling/policy:Policy"
VPC = "aws:ec2/vpc:Vpc"
SUBNET = "aws:ec2/subnet:Subnet"
EIP = "aws:ec2/eip:Eip"
NAT = "aws:ec2/natGateway:NatGateway"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"

AUTONAME = {"autoname": True}
NEW_RUNTIMES = {"skip": {"enum": "the 2022 model lists no runtime newer than nodejs18.x; offline/conformanceRules.ts holds today's list"}}
WAF_LIMIT = {"skip": {"min": "AWS WAF lowered the rate limit's minimum from 100 to 10 after this model (2024)"}}
WAF_KEYS = {"skip": {"enum": "AWS WAF added the CUSTOM_KEYS and CONSTANT aggregation keys after this model (2023)"}}

MAPPING = [
    # Elastic Load Balancing v2
    (LB, "name", "elbv2", "CreateLoadBalancer", "Name"),
    (LB, "loadBalancerType", "elbv2", "CreateLoadBalancer", "Type"),
    (LB, "ipAddressType", "elbv2", "CreateLoadBalancer", "IpAddressType"),
    *tags(LB, "elbv2", "CreateLoadBalancer"),
    (TG, "name", "elbv2", "CreateTargetGroup", "Name"),
    (TG, "protocol", "elbv2", "CreateTargetGroup", "Protocol"),
    (TG, "port", "elbv2", "CreateTargetGroup", "Port"),
    (TG, "targetType", "elbv2", "CreateTargetGroup", "TargetType"),
    (TG, "healthCheck.protocol", "elbv2", "CreateTargetGroup", "HealthCheckProtocol"),
    (TG, "healthCheck.path", "elbv2", "CreateTargetGroup", "HealthCheckPath"),
    (TG, "healthCheck.port", "elbv2", "CreateTargetGroup", "HealthCheckPort"),
    (TG, "healthCheck.interval", "elbv2", "CreateTargetGroup", "HealthCheckIntervalSeconds"),
    (TG, "healthCheck.timeout", "elbv2", "CreateTargetGroup", "HealthCheckTimeoutSeconds"),
    (TG, "healthCheck.healthyThreshold", "elbv2", "CreateTargetGroup", "HealthyThresholdCount"),
    (TG, "healthCheck.unhealthyThreshold", "elbv2", "CreateTargetGroup", "UnhealthyThresholdCount"),
    (TG, "healthCheck.matcher", "elbv2", "CreateTargetGroup", "Matcher.HttpCode"),
    *tags(TG, "elbv2", "CreateTargetGroup"),
    (LISTENER, "port", "elbv2", "CreateListener", "Port"),
    (LISTENER, "protocol", "elbv2", "CreateListener", "Protocol"),
    (LISTENER, "sslPolicy", "elbv2", "CreateListener", "SslPolicy"),
    (LISTENER, "defaultActions[].type", "elbv2", "CreateListener", "DefaultActions[].Type"),
    (LISTENER, "defaultActions[].order", "elbv2", "CreateListener", "DefaultActions[].Order"),
    (LISTENER, "defaultActions[].redirect.protocol", "elbv2", "CreateListener", "DefaultActions[].RedirectConfig.Protocol"),
    (LISTENER, "defaultActions[].redirect.host", "elbv2", "CreateListener", "DefaultActions[].RedirectConfig.Host"),
    (LISTENER, "defaultActions[].redirect.path", "elbv2", "CreateListener", "DefaultActions[].RedirectConfig.Path"),
    (LISTENER, "defaultActions[].redirect.query", "elbv2", "CreateListener", "DefaultActions[].RedirectConfig.Query"),
    (LISTENER, "defaultActions[].redirect.statusCode", "elbv2", "CreateListener", "DefaultActions[].RedirectConfig.StatusCode"),
    (LISTENER, "defaultActions[].fixedResponse.statusCode", "elbv2", "CreateListener", "DefaultActions[].FixedResponseConfig.StatusCode"),
    (LISTENER, "defaultActions[].fixedResponse.messageBody", "elbv2", "CreateListener", "DefaultActions[].FixedResponseConfig.MessageBody"),
    (LISTENER, "defaultActions[].fixedResponse.contentType", "elbv2", "CreateListener", "DefaultActions[].FixedResponseConfig.ContentType"),
    *tags(LISTENER, "elbv2", "CreateListener"),
    (RULE, "priority", "elbv2", "CreateRule", "Priority"),
    (RULE, "actions[].type", "elbv2", "CreateRule", "Actions[].Type"),
    (RULE, "actions[].fixedResponse.statusCode", "elbv2", "CreateRule", "Actions[].FixedResponseConfig.StatusCode"),
    (RULE, "actions[].fixedResponse.messageBody", "elbv2", "CreateRule", "Actions[].FixedResponseConfig.MessageBody"),
    (RULE, "conditions[].hostHeader.values[]", "elbv2", "CreateRule", "Conditions[].HostHeaderConfig.Values[]"),
    (RULE, "conditions[].pathPattern.values[]", "elbv2", "CreateRule", "Conditions[].PathPatternConfig.Values[]"),
    (RULE, "conditions[].httpHeader.httpHeaderName", "elbv2", "CreateRule", "Conditions[].HttpHeaderConfig.HttpHeaderName"),
    *tags(RULE, "elbv2", "CreateRule"),
    # EC2 and VPC
    (SG, "name", "ec2", "CreateSecurityGroup", "GroupName", AUTONAME),
    (SG, "description", "ec2", "CreateSecurityGroup", "Description"),
    (SG, "ingress[].description", "ec2", "AuthorizeSecurityGroupIngress", "IpPermissions[].IpRanges[].Description"),
    (SG, "egress[].description", "ec2", "AuthorizeSecurityGroupEgress", "IpPermissions[].IpRanges[].Description"),
    (INGRESS, "description", "ec2", "AuthorizeSecurityGroupIngress", "IpPermissions[].IpRanges[].Description"),
    (INGRESS, "ipProtocol", "ec2", "AuthorizeSecurityGroupIngress", "IpPermissions[].IpProtocol"),
    (INGRESS, "cidrIpv4", "ec2", "AuthorizeSecurityGroupIngress", "IpPermissions[].IpRanges[].CidrIp"),
    (INGRESS, "cidrIpv6", "ec2", "AuthorizeSecurityGroupIngress", "IpPermissions[].Ipv6Ranges[].CidrIpv6"),
    (EGRESS, "description", "ec2", "AuthorizeSecurityGroupEgress", "IpPermissions[].IpRanges[].Description"),
    (EGRESS, "ipProtocol", "ec2", "AuthorizeSecurityGroupEgress", "IpPermissions[].IpProtocol"),
    (VPC, "cidrBlock", "ec2", "CreateVpc", "CidrBlock"),
    (VPC, "instanceTenancy", "ec2", "CreateVpc", "InstanceTenancy"),
    (SUBNET, "cidrBlock", "ec2", "CreateSubnet", "CidrBlock"),
    (EIP, "domain", "ec2", "AllocateAddress", "Domain"),
    (NAT, "connectivityType", "ec2", "CreateNatGateway", "ConnectivityType"),
    (FLOW_LOG, "trafficType", "ec2", "CreateFlowLogs", "TrafficType"),
    (FLOW_LOG, "logDestinationType", "ec2", "CreateFlowLogs", "LogDestinationType"),
    (FLOW_LOG, "maxAggregationInterval", "ec2", "CreateFlowLogs", "MaxAggregationInterval"),
    # IAM
    (ROLE, "name", "iam", "CreateRole", "RoleName", AUTONAME),
    (ROLE, "path", "iam", "CreateRole", "Path"),
    (ROLE, "description", "iam", "CreateRole", "Description"),
    (ROLE, "maxSessionDuration", "iam", "CreateRole", "MaxSessionDuration"),
    (ROLE, "permissionsBoundary", "iam", "CreateRole", "PermissionsBoundary"),
    (ROLE, "assumeRolePolicy", "iam", "CreateRole", "AssumeRolePolicyDocument"),
    *tags(ROLE, "iam", "CreateRole"),
    (ROLE_POLICY, "name", "iam", "PutRolePolicy", "PolicyName", AUTONAME),
    (ROLE_POLICY, "role", "iam", "PutRolePolicy", "RoleName"),
    (ROLE_POLICY, "policy", "iam", "PutRolePolicy", "PolicyDocument"),
    (POLICY, "name", "iam", "CreatePolicy", "PolicyName", AUTONAME),
    (POLICY, "path", "iam", "CreatePolicy", "Path"),
    (POLICY, "description", "iam", "CreatePolicy", "Description"),
    (POLICY, "policy", "iam", "CreatePolicy", "PolicyDocument"),
    *tags(POLICY, "iam", "CreatePolicy"),
    (ATTACHMENT, "role", "iam", "AttachRolePolicy", "RoleName"),
    (ATTACHMENT, "policyArn", "iam", "AttachRolePolicy", "PolicyArn"),
    (OIDC, "url", "iam", "CreateOpenIDConnectProvider", "Url"),
    (OIDC, "clientIdLists[]", "iam", "CreateOpenIDConnectProvider", "ClientIDList[]"),
    (OIDC, "thumbprintLists[]", "iam", "CreateOpenIDConnectProvider", "ThumbprintList[]"),
    *tags(OIDC, "iam", "CreateOpenIDConnectProvider"),
    # CloudWatch, CloudWatch Logs, EventBridge
    (ALARM, "name", "cloudwatch", "PutMetricAlarm", "AlarmName", AUTONAME),
    (ALARM, "alarmDescription", "cloudwatch", "PutMetricAlarm", "AlarmDescription"),
    (ALARM, "alarmActions", "cloudwatch", "PutMetricAlarm", "AlarmActions"),
    (ALARM, "alarmActions[]", "cloudwatch", "PutMetricAlarm", "AlarmActions[]"),
    (ALARM, "okActions", "cloudwatch", "PutMetricAlarm", "OKActions"),
    (ALARM, "okActions[]", "cloudwatch", "PutMetricAlarm", "OKActions[]"),
    (ALARM, "insufficientDataActions", "cloudwatch", "PutMetricAlarm", "InsufficientDataActions"),
    (ALARM, "metricName", "cloudwatch", "PutMetricAlarm", "MetricName"),
    (ALARM, "namespace", "cloudwatch", "PutMetricAlarm", "Namespace"),
    (ALARM, "statistic", "cloudwatch", "PutMetricAlarm", "Statistic"),
    (ALARM, "dimensions{key}", "cloudwatch", "PutMetricAlarm", "Dimensions[].Name"),
    (ALARM, "dimensions{}", "cloudwatch", "PutMetricAlarm", "Dimensions[].Value"),
    (ALARM, "period", "cloudwatch", "PutMetricAlarm", "Period"),
    (ALARM, "evaluationPeriods", "cloudwatch", "PutMetricAlarm", "EvaluationPeriods"),
    (ALARM, "datapointsToAlarm", "cloudwatch", "PutMetricAlarm", "DatapointsToAlarm"),
    (ALARM, "comparisonOperator", "cloudwatch", "PutMetricAlarm", "ComparisonOperator"),
    (ALARM, "treatMissingData", "cloudwatch", "PutMetricAlarm", "TreatMissingData"),
    (ALARM, "unit", "cloudwatch", "PutMetricAlarm", "Unit"),
    (ALARM, "thresholdMetricId", "cloudwatch", "PutMetricAlarm", "ThresholdMetricId"),
    (ALARM, "metricQueries[].id", "cloudwatch", "PutMetricAlarm", "Metrics[].Id"),
    (ALARM, "metricQueries[].expression", "cloudwatch", "PutMetricAlarm", "Metrics[].Expression"),
    (ALARM, "metricQueries[].label", "cloudwatch", "PutMetricAlarm", "Metrics[].Label"),
    (ALARM, "metricQueries[].period", "cloudwatch", "PutMetricAlarm", "Metrics[].Period"),
    (ALARM, "metricQueries[].metric.metricName", "cloudwatch", "PutMetricAlarm", "Metrics[].MetricStat.Metric.MetricName"),
    (ALARM, "metricQueries[].metric.namespace", "cloudwatch", "PutMetricAlarm", "Metrics[].MetricStat.Metric.Namespace"),
    (ALARM, "metricQueries[].metric.dimensions{key}", "cloudwatch", "PutMetricAlarm", "Metrics[].MetricStat.Metric.Dimensions[].Name"),
    (ALARM, "metricQueries[].metric.dimensions{}", "cloudwatch", "PutMetricAlarm", "Metrics[].MetricStat.Metric.Dimensions[].Value"),
    (ALARM, "metricQueries[].metric.period", "cloudwatch", "PutMetricAlarm", "Metrics[].MetricStat.Period"),
    (ALARM, "metricQueries[].metric.unit", "cloudwatch", "PutMetricAlarm", "Metrics[].MetricStat.Unit"),
    *tags(ALARM, "cloudwatch", "PutMetricAlarm"),
    (DASHBOARD, "dashboardName", "cloudwatch", "PutDashboard", "DashboardName"),
    (DASHBOARD, "dashboardBody", "cloudwatch", "PutDashboard", "DashboardBody"),
    (LOG_GROUP, "name", "logs", "CreateLogGroup", "logGroupName", AUTONAME),
    (LOG_GROUP, "kmsKeyId", "logs", "CreateLogGroup", "kmsKeyId"),
    (LOG_GROUP, "retentionInDays", "logs", "PutRetentionPolicy", "retentionInDays"),
    (LOG_GROUP, "tags{key}", "logs", "CreateLogGroup", "tags{key}"),
    (LOG_GROUP, "tags{}", "logs", "CreateLogGroup", "tags{}"),
    (EVENT_RULE, "name", "events", "PutRule", "Name", AUTONAME),
    (EVENT_RULE, "description", "events", "PutRule", "Description"),
    (EVENT_RULE, "scheduleExpression", "events", "PutRule", "ScheduleExpression"),
    (EVENT_RULE, "eventPattern", "events", "PutRule", "EventPattern"),
    (EVENT_RULE, "state", "events", "PutRule", "State"),
    # Lambda and EventBridge Scheduler
    (FUNCTION, "name", "lambda", "CreateFunction", "FunctionName", AUTONAME),
    (FUNCTION, "description", "lambda", "CreateFunction", "Description"),
    (FUNCTION, "runtime", "lambda", "CreateFunction", "Runtime", NEW_RUNTIMES),
    (FUNCTION, "handler", "lambda", "CreateFunction", "Handler"),
    (FUNCTION, "role", "lambda", "CreateFunction", "Role"),
    (FUNCTION, "memorySize", "lambda", "CreateFunction", "MemorySize"),
    (FUNCTION, "timeout", "lambda", "CreateFunction", "Timeout"),
    (FUNCTION, "architectures", "lambda", "CreateFunction", "Architectures"),
    (FUNCTION, "architectures[]", "lambda", "CreateFunction", "Architectures[]"),
    (FUNCTION, "environment.variables{key}", "lambda", "CreateFunction", "Environment.Variables{key}"),
    (FUNCTION, "vpcConfig.subnetIds", "lambda", "CreateFunction", "VpcConfig.SubnetIds"),
    (FUNCTION, "vpcConfig.securityGroupIds", "lambda", "CreateFunction", "VpcConfig.SecurityGroupIds"),
    (FUNCTION, "ephemeralStorage.size", "lambda", "CreateFunction", "EphemeralStorage.Size"),
    (FUNCTION, "tracingConfig.mode", "lambda", "CreateFunction", "TracingConfig.Mode"),
    (FUNCTION, "packageType", "lambda", "CreateFunction", "PackageType"),
    (INVOKE_CONFIG, "functionName", "lambda", "PutFunctionEventInvokeConfig", "FunctionName"),
    (INVOKE_CONFIG, "qualifier", "lambda", "PutFunctionEventInvokeConfig", "Qualifier"),
    (INVOKE_CONFIG, "maximumEventAgeInSeconds", "lambda", "PutFunctionEventInvokeConfig", "MaximumEventAgeInSeconds"),
    (INVOKE_CONFIG, "maximumRetryAttempts", "lambda", "PutFunctionEventInvokeConfig", "MaximumRetryAttempts"),
    (SCHEDULE, "name", "scheduler", "CreateSchedule", "Name", AUTONAME),
    (SCHEDULE, "groupName", "scheduler", "CreateSchedule", "GroupName"),
    (SCHEDULE, "description", "scheduler", "CreateSchedule", "Description"),
    (SCHEDULE, "scheduleExpression", "scheduler", "CreateSchedule", "ScheduleExpression"),
    (SCHEDULE, "scheduleExpressionTimezone", "scheduler", "CreateSchedule", "ScheduleExpressionTimezone"),
    (SCHEDULE, "state", "scheduler", "CreateSchedule", "State"),
    (SCHEDULE, "flexibleTimeWindow.mode", "scheduler", "CreateSchedule", "FlexibleTimeWindow.Mode"),
    (SCHEDULE, "flexibleTimeWindow.maximumWindowInMinutes", "scheduler", "CreateSchedule", "FlexibleTimeWindow.MaximumWindowInMinutes"),
    (SCHEDULE, "target.arn", "scheduler", "CreateSchedule", "Target.Arn"),
    (SCHEDULE, "target.roleArn", "scheduler", "CreateSchedule", "Target.RoleArn"),
    (SCHEDULE, "target.input", "scheduler", "CreateSchedule", "Target.Input"),
    (SCHEDULE, "target.retryPolicy.maximumRetryAttempts", "scheduler", "CreateSchedule", "Target.RetryPolicy.MaximumRetryAttempts"),
    (SCHEDULE, "target.retryPolicy.maximumEventAgeInSeconds", "scheduler", "CreateSchedule", "Target.RetryPolicy.MaximumEventAgeInSeconds"),
    # SNS, SSM Parameter Store, Secrets Manager
    (TOPIC, "name", "sns", "CreateTopic", "Name", AUTONAME),
    *tags(TOPIC, "sns", "CreateTopic"),
    # Step Functions (SQS's model constrains nothing: the hand rules in offline/conformanceRules.ts do)
    (STATE_MACHINE, "name", "stepfunctions", "CreateStateMachine", "name", AUTONAME),
    (STATE_MACHINE, "definition", "stepfunctions", "CreateStateMachine", "definition"),
    (STATE_MACHINE, "roleArn", "stepfunctions", "CreateStateMachine", "roleArn"),
    (STATE_MACHINE, "type", "stepfunctions", "CreateStateMachine", "type"),
    *tags(STATE_MACHINE, "stepfunctions", "CreateStateMachine", key="tags[].key", value="tags[].value"),
    (PARAMETER, "name", "ssm", "PutParameter", "Name", AUTONAME),
    (PARAMETER, "description", "ssm", "PutParameter", "Description"),
    (PARAMETER, "type", "ssm", "PutParameter", "Type"),
    (PARAMETER, "tier", "ssm", "PutParameter", "Tier"),
    (PARAMETER, "keyId", "ssm", "PutParameter", "KeyId"),
    (PARAMETER, "allowedPattern", "ssm", "PutParameter", "AllowedPattern"),
    (PARAMETER, "dataType", "ssm", "PutParameter", "DataType"),
    *tags(PARAMETER, "ssm", "PutParameter"),
    (SECRET, "name", "secretsmanager", "CreateSecret", "Name", AUTONAME),
    (SECRET, "description", "secretsmanager", "CreateSecret", "Description"),
    (SECRET, "kmsKeyId", "secretsmanager", "CreateSecret", "KmsKeyId"),
    *tags(SECRET, "secretsmanager", "CreateSecret"),
    (ROTATION, "secretId", "secretsmanager", "RotateSecret", "SecretId"),
    (ROTATION, "rotationLambdaArn", "secretsmanager", "RotateSecret", "RotationLambdaARN"),
    (ROTATION, "rotationRules.automaticallyAfterDays", "secretsmanager", "RotateSecret", "RotationRules.AutomaticallyAfterDays"),
    (ROTATION, "rotationRules.duration", "secretsmanager", "RotateSecret", "RotationRules.Duration"),
    (ROTATION, "rotationRules.scheduleExpression", "secretsmanager", "RotateSecret", "RotationRules.ScheduleExpression"),
    # ECS
    (CLUSTER, "name", "ecs", "CreateCluster", "clusterName", AUTONAME),
    (SERVICE, "name", "ecs", "CreateService", "serviceName", AUTONAME),
    (SERVICE, "desiredCount", "ecs", "CreateService", "desiredCount"),
    (SERVICE, "launchType", "ecs", "CreateService", "launchType"),
    (SERVICE, "platformVersion", "ecs", "CreateService", "platformVersion"),
    (SERVICE, "propagateTags", "ecs", "CreateService", "propagateTags"),
    (SERVICE, "schedulingStrategy", "ecs", "CreateService", "schedulingStrategy"),
    (SERVICE, "healthCheckGracePeriodSeconds", "ecs", "CreateService", "healthCheckGracePeriodSeconds"),
    (SERVICE, "deploymentMaximumPercent", "ecs", "CreateService", "deploymentConfiguration.maximumPercent"),
    (SERVICE, "deploymentMinimumHealthyPercent", "ecs", "CreateService", "deploymentConfiguration.minimumHealthyPercent"),
    (SERVICE, "capacityProviderStrategies[].weight", "ecs", "CreateService", "capacityProviderStrategy[].weight"),
    (SERVICE, "capacityProviderStrategies[].base", "ecs", "CreateService", "capacityProviderStrategy[].base"),
    (SERVICE, "loadBalancers[].containerName", "ecs", "CreateService", "loadBalancers[].containerName"),
    (SERVICE, "loadBalancers[].containerPort", "ecs", "CreateService", "loadBalancers[].containerPort"),
    (SERVICE, "deploymentController.type", "ecs", "CreateService", "deploymentController.type"),
    (TASK, "family", "ecs", "RegisterTaskDefinition", "family"),
    (TASK, "cpu", "ecs", "RegisterTaskDefinition", "cpu"),
    (TASK, "memory", "ecs", "RegisterTaskDefinition", "memory"),
    (TASK, "networkMode", "ecs", "RegisterTaskDefinition", "networkMode"),
    (TASK, "requiresCompatibilities[]", "ecs", "RegisterTaskDefinition", "requiresCompatibilities[]"),
    (TASK, "runtimePlatform.cpuArchitecture", "ecs", "RegisterTaskDefinition", "runtimePlatform.cpuArchitecture"),
    (TASK, "runtimePlatform.operatingSystemFamily", "ecs", "RegisterTaskDefinition", "runtimePlatform.operatingSystemFamily"),
    (TASK, "pidMode", "ecs", "RegisterTaskDefinition", "pidMode"),
    (TASK, "ipcMode", "ecs", "RegisterTaskDefinition", "ipcMode"),
    (TASK, "volumes[].name", "ecs", "RegisterTaskDefinition", "volumes[].name"),
    (TASK, "containerDefinitions<json>[].name", "ecs", "RegisterTaskDefinition", "containerDefinitions[].name"),
    (TASK, "containerDefinitions<json>[].image", "ecs", "RegisterTaskDefinition", "containerDefinitions[].image"),
    (TASK, "containerDefinitions<json>[].portMappings[].protocol", "ecs", "RegisterTaskDefinition", "containerDefinitions[].portMappings[].protocol"),
    (TASK, "containerDefinitions<json>[].portMappings[].appProtocol", "ecs", "RegisterTaskDefinition", "containerDefinitions[].portMappings[].appProtocol"),
    (TASK, "containerDefinitions<json>[].environment[].name", "ecs", "RegisterTaskDefinition", "containerDefinitions[].environment[].name"),
    (TASK, "containerDefinitions<json>[].secrets[].name", "ecs", "RegisterTaskDefinition", "containerDefinitions[].secrets[].name"),
    (TASK, "containerDefinitions<json>[].logConfiguration.logDriver", "ecs", "RegisterTaskDefinition", "containerDefinitions[].logConfiguration.logDriver"),
    (TASK, "containerDefinitions<json>[].dependsOn[].condition", "ecs", "RegisterTaskDefinition", "containerDefinitions[].dependsOn[].condition"),
    (TASK, "containerDefinitions<json>[].ulimits[].name", "ecs", "RegisterTaskDefinition", "containerDefinitions[].ulimits[].name"),
    # RDS
    (DB, "identifier", "rds", "CreateDBInstance", "DBInstanceIdentifier", AUTONAME),
    (DB, "dbName", "rds", "CreateDBInstance", "DBName"),
    (DB, "allocatedStorage", "rds", "CreateDBInstance", "AllocatedStorage"),
    (DB, "maxAllocatedStorage", "rds", "CreateDBInstance", "MaxAllocatedStorage"),
    (DB, "backupRetentionPeriod", "rds", "CreateDBInstance", "BackupRetentionPeriod"),
    (DB, "backupWindow", "rds", "CreateDBInstance", "PreferredBackupWindow"),
    (DB, "maintenanceWindow", "rds", "CreateDBInstance", "PreferredMaintenanceWindow"),
    (DB, "username", "rds", "CreateDBInstance", "MasterUsername"),
    (DB, "port", "rds", "CreateDBInstance", "Port"),
    (DB, "storageType", "rds", "CreateDBInstance", "StorageType"),
    (DB, "parameterGroupName", "rds", "CreateDBInstance", "DBParameterGroupName"),
    (DB, "dbSubnetGroupName", "rds", "CreateDBInstance", "DBSubnetGroupName"),
    (DB, "finalSnapshotIdentifier", "rds", "DeleteDBInstance", "FinalDBSnapshotIdentifier"),
    (DB, "performanceInsightsRetentionPeriod", "rds", "CreateDBInstance", "PerformanceInsightsRetentionPeriod"),
    (DB, "monitoringInterval", "rds", "CreateDBInstance", "MonitoringInterval"),
    (DB_PARAMS, "name", "rds", "CreateDBParameterGroup", "DBParameterGroupName", AUTONAME),
    (DB_PARAMS, "family", "rds", "CreateDBParameterGroup", "DBParameterGroupFamily"),
    (DB_PARAMS, "description", "rds", "CreateDBParameterGroup", "Description"),
    (DB_SUBNETS, "name", "rds", "CreateDBSubnetGroup", "DBSubnetGroupName", AUTONAME),
    (DB_SUBNETS, "description", "rds", "CreateDBSubnetGroup", "DBSubnetGroupDescription"),
    # S3
    (BUCKET, "bucket", "s3", "CreateBucket", "Bucket", AUTONAME),
    (LIFECYCLE, "rules[].id", "s3", "PutBucketLifecycleConfiguration", "LifecycleConfiguration.Rules[].ID"),
    (LIFECYCLE, "rules[].status", "s3", "PutBucketLifecycleConfiguration", "LifecycleConfiguration.Rules[].Status"),
    # WAFv2
    (WEB_ACL, "name", "wafv2", "CreateWebACL", "Name"),
    (WEB_ACL, "description", "wafv2", "CreateWebACL", "Description"),
    (WEB_ACL, "scope", "wafv2", "CreateWebACL", "Scope"),
    (WEB_ACL, "rules[].name", "wafv2", "CreateWebACL", "Rules[].Name"),
    (WEB_ACL, "rules[].priority", "wafv2", "CreateWebACL", "Rules[].Priority"),
    (WEB_ACL, "rules[].visibilityConfig.metricName", "wafv2", "CreateWebACL", "Rules[].VisibilityConfig.MetricName"),
    (WEB_ACL, "rules[].statement.rateBasedStatement.limit", "wafv2", "CreateWebACL", "Rules[].Statement.RateBasedStatement.Limit", WAF_LIMIT),
    (WEB_ACL, "rules[].statement.rateBasedStatement.aggregateKeyType", "wafv2", "CreateWebACL", "Rules[].Statement.RateBasedStatement.AggregateKeyType", WAF_KEYS),
    (WEB_ACL, "visibilityConfig.metricName", "wafv2", "CreateWebACL", "VisibilityConfig.MetricName"),
    *tags(WEB_ACL, "wafv2", "CreateWebACL"),
    (IP_SET, "name", "wafv2", "CreateIPSet", "Name"),
    (IP_SET, "description", "wafv2", "CreateIPSet", "Description"),
    (IP_SET, "scope", "wafv2", "CreateIPSet", "Scope"),
    (IP_SET, "ipAddressVersion", "wafv2", "CreateIPSet", "IPAddressVersion"),
    (IP_SET, "addresses[]", "wafv2", "CreateIPSet", "Addresses[]"),
    *tags(IP_SET, "wafv2", "CreateIPSet"),
    # AWS Backup
    (VAULT, "name", "backup", "CreateBackupVault", "BackupVaultName"),
    (PLAN, "name", "backup", "CreateBackupPlan", "BackupPlan.BackupPlanName"),
    (PLAN, "rules[].ruleName", "backup", "CreateBackupPlan", "BackupPlan.Rules[].RuleName"),
    (PLAN, "rules[].targetVaultName", "backup", "CreateBackupPlan", "BackupPlan.Rules[].TargetBackupVaultName"),
    (PLAN, "rules[].schedule", "backup", "CreateBackupPlan", "BackupPlan.Rules[].ScheduleExpression"),
    (PLAN, "rules[].startWindow", "backup", "CreateBackupPlan", "BackupPlan.Rules[].StartWindowMinutes"),
    (PLAN, "rules[].completionWindow", "backup", "CreateBackupPlan", "BackupPlan.Rules[].CompletionWindowMinutes"),
    (PLAN, "rules[].lifecycle.coldStorageAfter", "backup", "CreateBackupPlan", "BackupPlan.Rules[].Lifecycle.MoveToColdStorageAfterDays"),
    (PLAN, "rules[].lifecycle.deleteAfter", "backup", "CreateBackupPlan", "BackupPlan.Rules[].Lifecycle.DeleteAfterDays"),
    (SELECTION, "name", "backup", "CreateBackupSelection", "BackupSelection.SelectionName"),
    # KMS, ACM, ECR
    (KEY, "description", "kms", "CreateKey", "Description"),
    (KEY, "policy", "kms", "CreateKey", "Policy"),
    (KEY, "keyUsage", "kms", "CreateKey", "KeyUsage"),
    (KEY, "customerMasterKeySpec", "kms", "CreateKey", "KeySpec"),
    (KEY, "deletionWindowInDays", "kms", "ScheduleKeyDeletion", "PendingWindowInDays"),
    (ALIAS, "name", "kms", "CreateAlias", "AliasName", AUTONAME),
    (CERT, "domainName", "acm", "RequestCertificate", "DomainName"),
    (CERT, "subjectAlternativeNames", "acm", "RequestCertificate", "SubjectAlternativeNames"),
    (CERT, "subjectAlternativeNames[]", "acm", "RequestCertificate", "SubjectAlternativeNames[]"),
    (CERT, "validationMethod", "acm", "RequestCertificate", "ValidationMethod"),
    (CERT, "keyAlgorithm", "acm", "RequestCertificate", "KeyAlgorithm"),
    *tags(CERT, "acm", "RequestCertificate"),
    (REPO, "name", "ecr", "CreateRepository", "repositoryName"),
    (REPO, "imageTagMutability", "ecr", "CreateRepository", "imageTagMutability"),
    (REPO, "encryptionConfigurations[].encryptionType", "ecr", "CreateRepository", "encryptionConfiguration.encryptionType"),
    (REPO, "encryptionConfigurations[].kmsKey", "ecr", "CreateRepository", "encryptionConfiguration.kmsKey"),
    (REPO_LIFECYCLE, "repository", "ecr", "PutLifecyclePolicy", "repositoryName"),
    (REPO_LIFECYCLE, "policy", "ecr", "PutLifecyclePolicy", "lifecyclePolicyText"),
    # Cloud Map, Application Auto Scaling
    (NAMESPACE, "name", "servicediscovery", "CreateHttpNamespace", "Name"),
    (NAMESPACE, "description", "servicediscovery", "CreateHttpNamespace", "Description"),
    (SCALING_TARGET, "serviceNamespace", "application-autoscaling", "RegisterScalableTarget", "ServiceNamespace"),
    (SCALING_TARGET, "resourceId", "application-autoscaling", "RegisterScalableTarget", "ResourceId"),
    (SCALING_TARGET, "scalableDimension", "application-autoscaling", "RegisterScalableTarget", "ScalableDimension"),
    (SCALING_TARGET, "minCapacity", "application-autoscaling", "RegisterScalableTarget", "MinCapacity"),
    (SCALING_TARGET, "maxCapacity", "application-autoscaling", "RegisterScalableTarget", "MaxCapacity"),
    (SCALING_POLICY, "name", "application-autoscaling", "PutScalingPolicy", "PolicyName"),
    (SCALING_POLICY, "policyType", "application-autoscaling", "PutScalingPolicy", "PolicyType"),
    (SCALING_POLICY, "serviceNamespace", "application-autoscaling", "PutScalingPolicy", "ServiceNamespace"),
    (SCALING_POLICY, "resourceId", "application-autoscaling", "PutScalingPolicy", "ResourceId"),
    (SCALING_POLICY, "scalableDimension", "application-autoscaling", "PutScalingPolicy", "ScalableDimension"),
    (
        SCALING_POLICY,
        "targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.predefinedMetricType",
        "application-autoscaling",
        "PutScalingPolicy",
        "TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification.PredefinedMetricType",
    ),
    (
        SCALING_POLICY,
        "targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.resourceLabel",
        "application-autoscaling",
        "PutScalingPolicy",
        "TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification.ResourceLabel",
    ),
    (
        SCALING_POLICY,
        "targetTrackingScalingPolicyConfiguration.customizedMetricSpecification.statistic",
        "application-autoscaling",
        "PutScalingPolicy",
        "TargetTrackingScalingPolicyConfiguration.CustomizedMetricSpecification.Statistic",
    ),
]

CONSTRAINT_KEYS = ("min", "max", "pattern", "enum")


def latest_model(data_dir, service):
    folder = os.path.join(data_dir, service)
    versions = sorted(v for v in os.listdir(folder) if os.path.exists(os.path.join(folder, v, "service-2.json")))
    if not versions:
        raise SystemExit(f"no service-2.json for {service} under {folder}")
    version = versions[-1]
    with open(os.path.join(folder, version, "service-2.json"), encoding="utf-8") as f:
        return version, json.load(f)


SEGMENT = re.compile(r"^([A-Za-z0-9_-]+)((?:\[\]|\{\}|\{key\})*)$")


def resolve(model, operation, member_path):
    """Walks the operation's input shape along member_path; returns the chain of shape names and the last shape."""
    op = model["operations"].get(operation)
    if op is None:
        raise KeyError(f"operation {operation} not in the model")
    shape_name = op["input"]["shape"]
    chain = [shape_name]
    for segment in member_path.split("."):
        m = SEGMENT.match(segment)
        if not m:
            raise KeyError(f"bad path segment {segment!r}")
        name, suffixes = m.group(1), m.group(2)
        shape = model["shapes"][shape_name]
        if shape["type"] != "structure" or name not in shape["members"]:
            raise KeyError(f"{shape_name} has no member {name}")
        shape_name = shape["members"][name]["shape"]
        chain.append(f"{name}:{shape_name}")
        for suffix in re.findall(r"\[\]|\{\}|\{key\}", suffixes):
            shape = model["shapes"][shape_name]
            if suffix == "[]":
                if shape["type"] != "list":
                    raise KeyError(f"{shape_name} is not a list")
                shape_name = shape["member"]["shape"]
            else:
                if shape["type"] != "map":
                    raise KeyError(f"{shape_name} is not a map")
                shape_name = shape["key" if suffix == "{key}" else "value"]["shape"]
            chain.append(f"{suffix}:{shape_name}")
    return chain, model["shapes"][shape_name]


def botocore_version(botocore_dir):
    with open(os.path.join(botocore_dir, "__init__.py"), encoding="utf-8") as f:
        m = re.search(r"^__version__ = ['\"]([^'\"]+)['\"]", f.read(), re.M)
    return m.group(1) if m else "unknown"


def debian_package_version():
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "python3-botocore"], capture_output=True, text=True, check=False)
        return out.stdout.strip() or None
    except OSError:
        return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--botocore-dir", default=DEFAULT_BOTOCORE, help="botocore package folder (default: Debian's)")
    parser.add_argument("--out", default=DEFAULT_OUT)
    parser.add_argument("--date", default=None, help="generation date to record (YYYY-MM-DD; default today, UTC)")
    args = parser.parse_args()

    data_dir = os.path.join(args.botocore_dir, "data")
    if not os.path.isdir(data_dir):
        raise SystemExit(f"no botocore data under {args.botocore_dir}: apt-get install -y python3-botocore")

    models = {}
    services = {}
    fields = {}
    errors = []
    for row in MAPPING:
        pulumi_type, input_path, service, operation, member_path = row[:5]
        options = row[5] if len(row) > 5 else {}
        if service not in models:
            version, model = latest_model(data_dir, service)
            models[service] = model
            meta = model["metadata"]
            services[service] = {
                "apiVersion": meta["apiVersion"],
                "serviceId": meta.get("serviceId"),
                "model": f"botocore/data/{service}/{version}/service-2.json",
            }
        model = models[service]
        try:
            chain, shape = resolve(model, operation, member_path)
        except KeyError as e:
            errors.append(f"{pulumi_type} {input_path} -> {service} {operation}.{member_path}: {e.args[0]}")
            continue
        skip = options.get("skip", {})
        constraints = {k: shape[k] for k in CONSTRAINT_KEYS if k in shape and k not in skip}
        entry = {
            "service": service,
            "origin": f"{operation}.{member_path} -> {chain[-1].split(':')[-1]}",
            "shapeType": shape["type"],
            "constraints": constraints,
        }
        if skip:
            entry["skipped"] = {k: {"model": shape.get(k), "why": why} for k, why in skip.items()}
        if options.get("autoname"):
            entry["autoname"] = True
        if input_path in fields.setdefault(pulumi_type, {}):
            errors.append(f"{pulumi_type} {input_path} mapped twice")
        fields[pulumi_type][input_path] = entry
    if errors:
        print("mapping rows that do not match the models:\n  " + "\n  ".join(errors), file=sys.stderr)
        raise SystemExit(1)

    version = botocore_version(args.botocore_dir)
    table = {
        "generator": "scripts/gen-aws-constraints.py",
        "generatedOn": args.date or datetime.datetime.now(datetime.timezone.utc).date().isoformat(),
        "botocore": {"version": version, "debianPackage": debian_package_version(), "dataDir": data_dir},
        "patternSemantics": "whole value (the services answer 'Member must satisfy regular expression pattern' for a value with a matching part only)",
        "services": dict(sorted(services.items())),
        "types": {t: dict(sorted(f.items())) for t, f in sorted(fields.items())},
    }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(table, f, indent=2, ensure_ascii=False)
        f.write("\n")
    # The repository's lint runs Prettier over every JSON file: leave the table as Prettier writes it.
    prettier = os.path.join(ROOT, "node_modules", ".bin", "prettier")
    if os.path.exists(prettier):
        subprocess.run([prettier, "--write", "--log-level", "warn", args.out], cwd=ROOT, check=True)
    else:
        print("node_modules/.bin/prettier not found: run `npx prettier --write` on the table before committing", file=sys.stderr)
    constrained = sum(1 for f in fields.values() for e in f.values() if e["constraints"])
    print(f"{args.out}: {len(fields)} types, {sum(len(f) for f in fields.values())} fields ({constrained} with a model constraint), botocore {version}")


if __name__ == "__main__":
    main()
