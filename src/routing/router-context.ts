// The context of one onRequest() call (routing.md §3.4, §3.5): node lookups, sendRequest(), the
// subject, and the response builders, which stop working once the call has settled.

import { errorResponseFor } from '../filter/error-response.ts';
import { KafkaError } from '../pipeline/kafka-error.ts';
import type { RequestMessage } from '../pipeline/request-message.ts';
import { SessionClosedError } from '../pipeline/session-closed-error.ts';
import type { ApiMessage, RequestHeader, ResponseHeader, Subject } from '../pipeline/types.ts';
import { ErrorCode } from '../protocol/generated/error-codes.ts';
import { codecsFor } from '../protocol/index.ts';
import type { CloseOrTerminalStage, RouterContext, RouterResponse, TerminalStage, VirtualNode } from './api.ts';
import { ForeignVirtualNodeError, UnknownRouteError } from './errors.ts';
import type { LevelSession, RouteRuntime } from './level.ts';
import { asVirtualNode } from './virtual-nodes.ts';

const MAX_NODE_ID = 0x7fffffff;

/**
 * The result of onRequest(): a response body (undefined = no response) and whether to close, or
 * the route the request and the rest of the session go to (forwardSessionTo()).
 */
export class RouterResponseImpl {
  readonly call: RouterCall;
  readonly body: ApiMessage | undefined;
  readonly header: ResponseHeader | undefined;
  readonly close: boolean;
  readonly forwardTo: RouteRuntime | undefined;

  constructor(
    call: RouterCall,
    body: ApiMessage | undefined,
    header: ResponseHeader | undefined,
    close: boolean,
    forwardTo?: RouteRuntime,
  ) {
    this.call = call;
    this.body = body;
    this.header = header;
    this.close = close;
    this.forwardTo = forwardTo;
  }
}

/** One onRequest() call: its context, and whether it has settled. */
export class RouterCall {
  readonly context: RouterContext;
  #settled = false;

  constructor(level: LevelSession, message: RequestMessage) {
    const routerLevel = level.level;
    const routing = level.routing;
    const session = routing.session;
    const addressed = message.node;
    const stage = (
      body: ApiMessage | undefined,
      header?: ResponseHeader,
      forwardTo?: RouteRuntime,
    ): CloseOrTerminalStage => {
      if (this.#settled) throw new Error('the response for this request has already been produced');
      let used = false;
      const build = (close: boolean): RouterResponse => {
        if (this.#settled) throw new Error('the response for this request has already been produced');
        if (used) throw new Error('build() may be called once per stage');
        used = true;
        return new RouterResponseImpl(this, body, header, close, forwardTo) as unknown as RouterResponse;
      };
      return {
        build: () => build(false),
        withCloseConnection: (): TerminalStage => ({ build: () => build(true) }),
      };
    };
    this.context = {
      sessionId: session.id,
      logger: level.logger,
      virtualNode(): VirtualNode | undefined {
        return typeof addressed === 'number' && addressed >= 0
          ? asVirtualNode(routerLevel.nodes.broker(addressed))
          : undefined;
      },
      anyNode(name: string): VirtualNode {
        const route = routerLevel.routesByName.get(name);
        if (route === undefined) {
          routerLevel.options.metrics?.error('unknown_route');
          throw new UnknownRouteError(name, routerLevel.routerPath, routerLevel.routeNames);
        }
        return asVirtualNode(
          route.cluster === undefined
            ? routerLevel.nodes.entry(name)
            : routerLevel.nodes.bootstrap(name, level.pickBootstrap(route)),
        );
      },
      nodeForId(id: number): VirtualNode {
        if (!Number.isInteger(id) || id < 0 || id > MAX_NODE_ID) {
          throw new RangeError(`virtual node ids are integers from 0 to 2^31 - 1, not ${id}`);
        }
        return asVirtualNode(routerLevel.nodes.broker(id));
      },
      routeOf(node: VirtualNode): string {
        const own = routerLevel.nodes.own(node);
        if (own === undefined) throw new ForeignVirtualNodeError(String(node), routerLevel.routerPath);
        return own.kind === 'broker' ? routerLevel.routeById(routerLevel.mapping.routeIdOf(own.id)).name : own.route;
      },
      sendRequest(node: VirtualNode, header: RequestHeader, request: ApiMessage): Promise<ApiMessage | undefined> {
        const own = routerLevel.nodes.own(node);
        if (own === undefined) {
          routerLevel.options.metrics?.error('unknown_route');
          return Promise.reject(new ForeignVirtualNodeError(String(node), routerLevel.routerPath));
        }
        const codecs = codecsFor(header.requestApiKey);
        if (codecs === undefined || typeof request !== 'object' || request === null) {
          return Promise.reject(new TypeError(`sendRequest() needs a request body of api key ${header.requestApiKey}`));
        }
        if (level.sentBodies.has(request)) {
          return Promise.reject(
            new TypeError('this request body was already passed to sendRequest(): clone it to send it again'),
          );
        }
        if (routing.closed) return Promise.reject(new SessionClosedError(session.id));
        level.sentBodies.add(request);
        return level.send(own, header, request);
      },
      authenticatedSubject(): Subject {
        return session.subject;
      },
      respondWith(headerOrBody: ResponseHeader | ApiMessage, maybeBody?: ApiMessage): CloseOrTerminalStage {
        return maybeBody === undefined ? stage(headerOrBody) : stage(maybeBody, headerOrBody as ResponseHeader);
      },
      respondWithError(
        header: RequestHeader,
        request: ApiMessage,
        error: ErrorCode | KafkaError,
      ): CloseOrTerminalStage {
        const code = error instanceof KafkaError ? error.code : error;
        if (code === ErrorCode.NONE) throw new TypeError('respondWithError() needs an error code other than NONE');
        const body = errorResponseFor(
          header.requestApiKey,
          header.requestApiVersion,
          request,
          code,
          error instanceof KafkaError ? error.message : null,
        );
        return stage(body);
      },
      respondWithoutReply(): CloseOrTerminalStage {
        return stage(undefined);
      },
      forwardSessionTo(name: string): TerminalStage {
        const route = routerLevel.routesByName.get(name);
        if (route === undefined) {
          routerLevel.options.metrics?.error('unknown_route');
          throw new UnknownRouteError(name, routerLevel.routerPath, routerLevel.routeNames);
        }
        return { build: stage(undefined, undefined, route).build };
      },
    } as RouterContext;
  }

  settle(): void {
    this.#settled = true;
  }
}
