"""moto_server, plus CloudFormation support for the resource types docs/deploying.md's stacks need and moto lacks.

moto 5.2 emulates these through their service APIs but not as CloudFormation resources:

- AWS::Lambda::Alias: the function stack puts API Gateway behind an alias (infra/osls-live-alias.cjs); without
  it the permission on the alias fails and the stack cannot be created. Mapped onto moto's create_alias /
  update_alias / delete_alias, and moto's AWS::Lambda::Version gets the `Version` attribute the alias reads.
- AWS::SecretsManager::Secret and AWS::SecretsManager::ResourcePolicy: infra/key-secret.yml creates the key
  secret; `asc-token keys import` then writes to it. Mapped onto moto's create_secret / put_resource_policy
  (moto stores the policy but, like the rest of moto, does not enforce IAM). The secret's ReplicaRegions go to
  moto's own replication (a replica in each region's backend), each replica's KmsKeyId kept as given.
- AWS::KMS::ReplicaKey: infra/kms-replica-key.yml replicates the multi-Region signing key into another region.
  Mapped onto moto's replicate_key, then given its own key policy, description and tags, as KMS gives a replica.

And it fixes moto bugs the test would otherwise read around: an IAM role's inline policy created by
CloudFormation (the Policies property, an object) is stored as a Python dict and returned as its repr, not as
the JSON policy document AWS returns; and an AWS::KMS::Key created by CloudFormation fails on its Tags (moto reads
them as TagKey/TagValue, CloudFormation writes Key/Value), ignores KeySpec, KeyUsage and Origin, and stores its
KeyPolicy as a dict that GetKeyPolicy cannot return (infra/kms-key.yml's signing key needs all four).

So the templates the deployment test deploys are the ones a real account gets. Every other type moto lacks stays
unsupported (moto skips it), and test/deploy/moto/deploy.test.ts says which it checks in the template instead.

Usage: python3 moto_server_plus.py [moto_server arguments]
"""
import json
import sys

from moto.awslambda.models import LambdaVersion, lambda_backends
from moto.iam.models import Role
from moto.kms.models import Key as KmsKey, kms_backends
from moto.secretsmanager.models import secretsmanager_backends
from moto.core.common_models import CloudFormationModel
from moto.server import main


class CloudFormationLambdaAlias(CloudFormationModel):
    # moto's model metaclass files models under the service named in the module path.
    __module__ = "moto.awslambda.cloudformation_alias"

    def __init__(self, alias):
        self.alias = alias

    @staticmethod
    def cloudformation_name_type():
        return "Name"

    @staticmethod
    def cloudformation_type():
        return "AWS::Lambda::Alias"

    @property
    def physical_resource_id(self):
        return self.alias.arn

    @classmethod
    def has_cfn_attr(cls, attr):
        return attr in ("AliasArn",)

    def get_cfn_attribute(self, attribute_name):
        return self.alias.arn

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        backend = lambda_backends[account_id][region_name]
        function_name = props["FunctionName"].split(":function:")[-1]
        alias = backend.create_alias(
            name=props["Name"],
            function_name=function_name,
            function_version=str(props["FunctionVersion"]),
            description=props.get("Description", ""),
            routing_config=props.get("RoutingConfig"),
        )
        return cls(alias)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        props = cloudformation_json["Properties"]
        original_resource.alias.update(props.get("Description", ""), str(props["FunctionVersion"]), props.get("RoutingConfig"))
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        props = cloudformation_json["Properties"]
        backend = lambda_backends[account_id][region_name]
        try:
            backend.delete_alias(props["Name"], props["FunctionName"].split(":function:")[-1])
        except Exception:  # the function (and its aliases) may already be gone
            pass


class CloudFormationSecret(CloudFormationModel):
    __module__ = "moto.secretsmanager.cloudformation_secret"

    def __init__(self, arn, name):
        self.arn = arn
        self.name = name

    @staticmethod
    def cloudformation_name_type():
        return "Name"

    @staticmethod
    def cloudformation_type():
        return "AWS::SecretsManager::Secret"

    @property
    def physical_resource_id(self):
        return self.arn

    @classmethod
    def has_cfn_attr(cls, attr):
        return attr == "Id"

    def get_cfn_attribute(self, attribute_name):
        return self.arn

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        backend = secretsmanager_backends[account_id][region_name]
        created = backend.create_secret(
            name=props.get("Name", resource_name),
            secret_string=props.get("SecretString"),
            secret_binary=None,
            description=props.get("Description"),
            tags=props.get("Tags"),
            kms_key_id=props.get("KmsKeyId"),
            client_request_token=None,
            replica_regions=[],
            force_overwrite=False,
        )
        arn = json.loads(created)["ARN"] if isinstance(created, str) else created["ARN"]
        # moto's CloudFormation leaves an element that is AWS::NoValue in a list as None.
        replicas = [r for r in props.get("ReplicaRegions") or [] if r]
        if replicas:
            backend.replicate_secret_to_regions(arn, [{"Region": r["Region"], "KmsKeyId": r.get("KmsKeyId")} for r in replicas], False)
            # moto records its default key for every replica; keep the one the template names.
            kms_key_ids = {r["Region"]: r.get("KmsKeyId") for r in replicas}
            for replica in backend.describe_secret(arn).replicas:
                if kms_key_ids.get(replica.region):
                    replica.config["KmsKeyId"] = kms_key_ids[replica.region]
        return cls(arn, props.get("Name", resource_name))

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        pass  # infra/key-secret.yml retains the secret (DeletionPolicy: Retain)


class CloudFormationSecretPolicy(CloudFormationModel):
    __module__ = "moto.secretsmanager.cloudformation_secret_policy"

    def __init__(self, secret_arn):
        self.secret_arn = secret_arn

    @staticmethod
    def cloudformation_name_type():
        return ""

    @staticmethod
    def cloudformation_type():
        return "AWS::SecretsManager::ResourcePolicy"

    @property
    def physical_resource_id(self):
        return self.secret_arn

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        backend = secretsmanager_backends[account_id][region_name]
        policy = props["ResourcePolicy"]
        backend.put_resource_policy(props["SecretId"], policy if isinstance(policy, str) else json.dumps(policy))
        return cls(props["SecretId"])

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        pass  # retained with the secret


def _version_attribute(self, attribute_name):
    if attribute_name == "Version":
        return str(self.version)
    raise NotImplementedError(f"AWS::Lambda::Version attribute {attribute_name}")


LambdaVersion.has_cfn_attr = classmethod(lambda cls, attr: attr == "Version")
LambdaVersion.get_cfn_attribute = _version_attribute


_put_policy = Role.put_policy


def _put_policy_as_json(self, policy_name, policy_json):
    _put_policy(self, policy_name, policy_json if isinstance(policy_json, str) else json.dumps(policy_json))


Role.put_policy = _put_policy_as_json


@classmethod
def _kms_key_from_cloudformation(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    props = cloudformation_json["Properties"]
    policy = props["KeyPolicy"]
    key = kms_backends[account_id][region_name].create_key(
        policy=policy if isinstance(policy, str) else json.dumps(policy),
        key_usage=props.get("KeyUsage", "ENCRYPT_DECRYPT"),
        key_spec=props.get("KeySpec", "SYMMETRIC_DEFAULT"),
        description=props.get("Description"),
        tags=[{"TagKey": t["Key"], "TagValue": t["Value"]} for t in props.get("Tags", [])],
        origin=props.get("Origin", "AWS_KMS"),
        multi_region=str(props.get("MultiRegion", False)).lower() == "true",
    )
    key.key_rotation_status = props.get("EnableKeyRotation", False)
    key.enabled = props.get("Enabled", True)
    return key


KmsKey.create_from_cloudformation_json = _kms_key_from_cloudformation


class CloudFormationReplicaKey(CloudFormationModel):
    __module__ = "moto.kms.cloudformation_replica_key"

    @staticmethod
    def cloudformation_name_type():
        return ""

    @staticmethod
    def cloudformation_type():
        return "AWS::KMS::ReplicaKey"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        primary_arn = props["PrimaryKeyArn"]
        primary_region = primary_arn.split(":")[3]
        key_id = primary_arn.split("/")[-1]
        replica = kms_backends[account_id][primary_region].replicate_key(key_id, region_name)
        policy = props["KeyPolicy"]
        replica.policy = policy if isinstance(policy, str) else json.dumps(policy)
        replica.description = props.get("Description", "")
        tags = [{"TagKey": t["Key"], "TagValue": t["Value"]} for t in props.get("Tags", [])]
        if tags:
            kms_backends[account_id][region_name].tag_resource(replica.id, tags)
        return replica

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        pass  # infra/kms-replica-key.yml retains the replica (DeletionPolicy: Retain)


if __name__ == "__main__":
    main(sys.argv[1:])
