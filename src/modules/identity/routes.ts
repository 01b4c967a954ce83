/** HTTP routes of the identity context: login, me, organizations, members, users, API keys. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { AppConfig } from '../../config.js';
import { errorResponses, IdParams } from '../../common/schemas.js';
import { parseOptionalInstant } from '../../common/values.js';
import { ApiKeyService } from './api-key.service.js';
import { AuthService } from './auth.service.js';
import { OrganizationService } from './organization.service.js';
import {
  ApiKeyCreate,
  ApiKeyCreated,
  ApiKeyDto,
  LoginRequest,
  LoginResponse,
  MeResponse,
  MemberAdd,
  MemberRoleChange,
  MembershipParams,
  MyOrganizationDto,
  OrganizationDto,
  TeamCreate,
  TeamMembership,
  TeamPatch,
  UserCreate,
  UserDto,
  UserPatch,
  toApiKeyDto,
  toMembershipDto,
  toMyOrganizationDto,
  toOrganizationDto,
  toUserDto,
} from './schemas.js';
import { UserService } from './user.service.js';

const authed = errorResponses(400, 401, 403, 404, 503);
const writes = errorResponses(400, 401, 403, 404, 409, 422, 503);

export const identityRoutes: FastifyPluginAsyncTypebox<{ config: AppConfig }> = async (app, { config }) => {
  app.post(
    '/auth/login',
    {
      config: { public: true },
      schema: {
        tags: ['identity'],
        summary: 'Exchange email and password for a personal API key (12 hours)',
        description:
          'Throttled per email and per client address (SIGN_IN_MAX_FAILURES_PER_ACCOUNT / _PER_ADDRESS within ' +
          'SIGN_IN_WINDOW_SECONDS): past the limit every attempt answers 429 with Retry-After. A wrong password ' +
          'and an unknown email answer the same.',
        body: LoginRequest,
        response: { 200: LoginResponse, ...errorResponses(400, 401, 404, 429, 503) },
      },
    },
    async (request) => {
      const { email, password, organization } = request.body;
      const minted = await new AuthService(request.em).login(email, password, organization, {
        address: request.ip,
        limits: config.signIn,
      });
      return {
        key: minted.key,
        expiresAt: minted.apiKey.expiresAt!.toISOString(),
        apiKey: toApiKeyDto(minted.apiKey),
      };
    },
  );

  app.get(
    '/me',
    { schema: { tags: ['identity'], summary: 'Who am I', response: { 200: MeResponse, ...authed } } },
    async (request) => {
      const p = request.principal;
      const { user, organizations } = await new UserService(request.em).me(p);
      return {
        user: toUserDto(user),
        apiKey: { id: p.apiKeyId, organizationId: p.keyOrganizationId, scopes: [...p.scopes] },
        organizations: organizations.map(toMyOrganizationDto),
      };
    },
  );

  // Organizations ----------------------------------------------------------------------------------
  app.post(
    '/organizations',
    {
      schema: {
        tags: ['identity'],
        summary: 'Create an organization; the caller becomes its owner',
        body: TeamCreate,
        response: { 201: OrganizationDto, ...writes },
      },
    },
    async (request, reply) => {
      const created = await new OrganizationService(request.em).create(request.principal, request.body);
      return reply.status(201).send(toOrganizationDto(created));
    },
  );

  app.get(
    '/organizations',
    {
      schema: {
        tags: ['identity'],
        summary: 'Organizations the caller belongs to',
        response: { 200: Type.Array(MyOrganizationDto), ...authed },
      },
    },
    async (request) => {
      return (await new OrganizationService(request.em).listMine(request.principal)).map(toMyOrganizationDto);
    },
  );

  app.get(
    '/organizations/:id',
    { schema: { tags: ['identity'], params: IdParams, response: { 200: OrganizationDto, ...authed } } },
    async (request) =>
      toOrganizationDto(
        await new OrganizationService(request.em).get(await request.callerIn(request.params.id)),
      ),
  );

  app.patch(
    '/organizations/:id',
    {
      schema: {
        tags: ['identity'],
        summary: 'Change an organization (admin or owner)',
        params: IdParams,
        body: TeamPatch,
        response: { 200: OrganizationDto, ...writes },
      },
    },
    async (request) =>
      toOrganizationDto(
        await new OrganizationService(request.em).update(
          await request.callerIn(request.params.id),
          request.body,
        ),
      ),
  );

  app.get(
    '/organizations/:id/members',
    {
      schema: {
        tags: ['identity'],
        params: IdParams,
        response: { 200: Type.Array(TeamMembership), ...authed },
      },
    },
    async (request) => {
      const members = await new OrganizationService(request.em).listMembers(
        await request.callerIn(request.params.id),
      );
      return members.map(toMembershipDto);
    },
  );

  app.post(
    '/organizations/:id/members',
    {
      schema: {
        tags: ['identity'],
        summary: 'Add an existing user to the organization (admin or owner)',
        params: IdParams,
        body: MemberAdd,
        response: { 201: TeamMembership, ...writes },
      },
    },
    async (request, reply) => {
      const membership = await new OrganizationService(request.em).addMember(
        await request.callerIn(request.params.id),
        request.body,
      );
      return reply.status(201).send(toMembershipDto(membership));
    },
  );

  app.patch(
    '/memberships/:id',
    {
      schema: {
        tags: ['identity'],
        summary: "Change a member's role",
        description:
          "A membership of the caller's organization (the key's, else X-Organization-Id, else the only one); " +
          "any other id, another organization's included, is 404 'Membership <id> not found'.",
        params: MembershipParams,
        body: MemberRoleChange,
        response: { 200: TeamMembership, ...writes },
      },
    },
    async (request) => {
      const c = await request.caller();
      return toMembershipDto(
        await new OrganizationService(request.em).changeRole(c, request.params.id, request.body.role),
      );
    },
  );

  app.delete(
    '/memberships/:id',
    {
      schema: {
        tags: ['identity'],
        summary: 'Remove a member (or leave)',
        description:
          "A membership of the caller's organization (the key's, else X-Organization-Id, else the only one); " +
          "any other id, another organization's included, is 404 'Membership <id> not found'.",
        params: MembershipParams,
        response: { 204: Type.Null(), ...writes },
      },
    },
    async (request, reply) => {
      await new OrganizationService(request.em).removeMember(await request.caller(), request.params.id);
      return reply.status(204).send(null);
    },
  );

  // Users ------------------------------------------------------------------------------------------
  app.post(
    '/users',
    {
      schema: {
        tags: ['identity'],
        summary: "Create a person in the caller's organization (admin or owner)",
        body: UserCreate,
        response: { 201: TeamMembership, ...writes },
      },
    },
    async (request, reply) => {
      const membership = await new UserService(request.em).createMember(await request.caller(), request.body);
      return reply.status(201).send(toMembershipDto(membership));
    },
  );

  app.get(
    '/users',
    {
      schema: {
        tags: ['identity'],
        summary: "People of the caller's organization",
        response: { 200: Type.Array(UserDto), ...authed },
      },
    },
    async (request) => {
      const members = await new OrganizationService(request.em).listMembers(await request.caller());
      return members.map((m) => toUserDto(m.user.getEntity()));
    },
  );

  app.get(
    '/users/:id',
    { schema: { tags: ['identity'], params: IdParams, response: { 200: UserDto, ...authed } } },
    async (request) =>
      toUserDto(await new UserService(request.em).get(await request.caller(), request.params.id)),
  );

  app.patch(
    '/users/:id',
    {
      schema: {
        tags: ['identity'],
        summary: 'Change your own profile or password',
        params: IdParams,
        body: UserPatch,
        response: { 200: UserDto, ...writes },
      },
    },
    async (request) =>
      toUserDto(
        await new UserService(request.em).update(await request.caller(), request.params.id, request.body),
      ),
  );

  app.delete(
    '/users/:id',
    {
      schema: {
        tags: ['identity'],
        summary: 'Delete your own account (soft delete; your keys are revoked)',
        params: IdParams,
        response: { 204: Type.Null(), ...writes },
      },
    },
    async (request, reply) => {
      await new UserService(request.em).softDelete(await request.caller(), request.params.id);
      return reply.status(204).send(null);
    },
  );

  // API keys ---------------------------------------------------------------------------------------
  app.post(
    '/api-keys',
    {
      schema: {
        tags: ['identity'],
        summary: 'Mint an API key (shown once)',
        body: ApiKeyCreate,
        response: { 201: ApiKeyCreated, ...writes },
      },
    },
    async (request, reply) => {
      const { expiresAt, ...rest } = request.body;
      const minted = await new ApiKeyService(request.em).mint(await request.caller(), {
        ...rest,
        expiresAt: parseOptionalInstant(expiresAt, 'expiresAt') ?? null,
      });
      return reply.status(201).send({ key: minted.key, apiKey: toApiKeyDto(minted.apiKey) });
    },
  );

  app.get(
    '/api-keys',
    { schema: { tags: ['identity'], response: { 200: Type.Array(ApiKeyDto), ...authed } } },
    async (request) => (await new ApiKeyService(request.em).list(await request.caller())).map(toApiKeyDto),
  );

  app.delete(
    '/api-keys/:id',
    {
      schema: {
        tags: ['identity'],
        summary: 'Revoke an API key',
        params: IdParams,
        response: { 200: ApiKeyDto, ...writes },
      },
    },
    async (request) =>
      toApiKeyDto(await new ApiKeyService(request.em).revoke(await request.caller(), request.params.id)),
  );
};
