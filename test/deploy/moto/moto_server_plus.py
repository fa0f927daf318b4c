"""moto_server, plus CloudFormation support for AWS::Lambda::Alias (and the Version attribute it reads).

moto 5.2 emulates Lambda aliases through the Lambda API but not as a CloudFormation resource, and the function
stack puts API Gateway behind an alias (infra/osls-live-alias.cjs): without the resource, the permission on the
alias fails and the stack cannot be created. This class maps the resource onto moto's own alias implementation
(create_alias / update_alias / delete_alias), and gives moto's AWS::Lambda::Version the `Version` attribute
(Fn::GetAtt) the alias is created with, so the template the deployment test deploys is the one a real
account gets. Every other type moto lacks stays unsupported, and the test says which it checks in the template.

Usage: python3 moto_server_plus.py [moto_server arguments]
"""
import sys

from moto.awslambda.models import LambdaVersion, lambda_backends
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


def _version_attribute(self, attribute_name):
    if attribute_name == "Version":
        return str(self.version)
    raise NotImplementedError(f"AWS::Lambda::Version attribute {attribute_name}")


LambdaVersion.has_cfn_attr = classmethod(lambda cls, attr: attr == "Version")
LambdaVersion.get_cfn_attribute = _version_attribute


if __name__ == "__main__":
    main(sys.argv[1:])
