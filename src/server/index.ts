// The gRPC / gRPC-Web / Connect API (sqlflow.v1.SQLFlowService), for the operator's main to run on every replica.
export { allowAll, KubernetesAuthorizer, type Authorizer, type Caller, type Verb } from './auth.ts';
export { startApiServer, type ApiServer, type ApiServerOptions } from './server.ts';
export { sqlflowService, type ServiceDeps } from './service.ts';
