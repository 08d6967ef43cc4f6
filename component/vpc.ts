/**
 * Placing the function in a VPC (to reach EKS clusters whose API endpoint is private): Lambda attaches it through
 * network interfaces it creates with the function's role, so the role needs the EC2 part of
 * AWSLambdaVPCAccessExecutionRole (the managed policy's logs actions are more than the function's own log grant, so
 * they are left out). A policy of its own (`${name}-vpc-policy`), which exists before the function: Lambda checks
 * these permissions when it creates the function.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Statement } from "./grant";
import { policyDocument } from "../runtime/iam/statement";

/** What Lambda needs to create, describe and delete the function's network interfaces (Lambda developer guide). */
export const VPC_NETWORK_INTERFACE_ACTIONS = [
  "ec2:AssignPrivateIpAddresses",
  "ec2:CreateNetworkInterface",
  "ec2:DeleteNetworkInterface",
  "ec2:DescribeNetworkInterfaces",
  "ec2:DescribeSubnets",
  "ec2:UnassignPrivateIpAddresses",
];

// DescribeNetworkInterfaces works only when allowed on all resources.
export const VPC_STATEMENT: Statement = { Sid: "ManageVpcNetworkInterfaces", Effect: "Allow", Action: VPC_NETWORK_INTERFACE_ACTIONS, Resource: "*" };

export interface VpcPlacement {
  subnetIds: pulumi.Input<string>[];
  securityGroupIds: pulumi.Input<string>[];
}

/** The function's vpcConfig and the policy it waits for, or nothing when the function runs outside any VPC. */
export function vpcPlacement(name: string, placement: VpcPlacement | undefined, role: aws.iam.Role, parent: pulumi.Resource):
  { vpcConfig?: aws.types.input.lambda.FunctionVpcConfig; needs: pulumi.Resource[] } {
  if (!placement) return { needs: [] };
  const policy = new aws.iam.RolePolicy(`${name}-vpc-policy`, { role: role.id, policy: policyDocument([VPC_STATEMENT]) }, { parent });
  return { vpcConfig: { subnetIds: placement.subnetIds, securityGroupIds: placement.securityGroupIds }, needs: [policy] };
}
