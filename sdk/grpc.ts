/** gRPC entry of the SDK, separate so HTTP-only skills need no gRPC packages. */
export { serveGrpc, loadSkillService } from './grpc-server.js';
export type { GrpcServeOptions } from './grpc-server.js';
