import * as pulumi from "@pulumi/pulumi";
import { sitePlatform } from "./platform";

const platform = sitePlatform(pulumi.getStack());

/** Where the operator reaches the platform: the load balancers, Consul's UI, ZooKeeper. */
export const endpoints = platform.endpoints;
