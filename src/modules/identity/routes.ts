/** HTTP routes of the identity context: login, me, organizations, members, users, API keys. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { EntityManager } from '@mikro-orm/core';
import type { FastifyRequest } from 'fastify';
import { NotFoundError } from '../../common/errors.js';
import { errorResponses } from '../../http/errors.plugin.js';
import { IdParams } from '../../common/schemas.js';
import { requireUser } from './access.js';
import { ApiKeyService } from './api-key.service.js';
import { AuthService } from './auth.service.js';
import { Membership } from './membership.entity.js';
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
  toOrganizationDto,
  toUserDto,
} from './schemas.js';
import { User } from './user.entity.js';
import { UserService } from './user.service.js';

const authed = errorResponses(400, 401, 403, 404, 503);
const writes = errorResponses(400, 401, 403, 404, 409, 422, 503);

async function hasWebhookSecret(em: EntityManager, id: string): Promise<boolean> {
  const rows = await em
    .getConnection()
    .execute<{ set: boolean }[]>('select webhook_secret is not null as set from organizations where id = ?', [
      id,
    ]);
  return rows[0]?.set === true;
}

export const identityRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/auth/login',
    {
      config: { public: true },
      schema: {
        tags: ['identity'],
        summary: 'Exchange email and password for a personal API key (12 hours)',
        body: LoginRequest,
        response: { 200: LoginResponse, ...errorResponses(400, 401, 404, 503) },
      },
    },
    async (request) => {
      const { email, password, organization } = request.body;
      const minted = await new AuthService(request.em).login(email, password, organization);
      await request.em.flush();
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
      requireUser(p);
      const user = await request.em.getRepository(User).getByIdOrFail(p.userId);
      const organizations = await new OrganizationService(request.em).listMine(p);
      return {
        user: toUserDto(user),
        apiKey: { id: p.apiKeyId, organizationId: p.keyOrganizationId, scopes: [...p.scopes] },
        organizations: organizations.map((o) => ({
          organization: toOrganizationDto(o.organization),
          role: o.role,
        })),
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
      const organization = await new OrganizationService(request.em).create(request.principal, request.body);
      return reply.status(201).send(toOrganizationDto(organization));
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
      const mine = await new OrganizationService(request.em).listMine(request.principal);
      return mine.map((m) => ({ organization: toOrganizationDto(m.organization), role: m.role }));
    },
  );

  app.get(
    '/organizations/:id',
    { schema: { tags: ['identity'], params: IdParams, response: { 200: OrganizationDto, ...authed } } },
    async (request) => {
      const c = await callerFor(request, request.params.id);
      const organization = await new OrganizationService(request.em).get(c);
      return toOrganizationDto(organization, await hasWebhookSecret(request.em, organization.id));
    },
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
    async (request) => {
      const c = await callerFor(request, request.params.id);
      const organization = await new OrganizationService(request.em).update(c, request.body);
      return toOrganizationDto(organization, await hasWebhookSecret(request.em, organization.id));
    },
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
      const c = await callerFor(request, request.params.id);
      const members = await new OrganizationService(request.em).listMembers(c);
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
      const c = await callerFor(request, request.params.id);
      const membership = await new OrganizationService(request.em).addMember(c, request.body);
      return reply.status(201).send(toMembershipDto(membership));
    },
  );

  app.patch(
    '/memberships/:id',
    {
      schema: {
        tags: ['identity'],
        summary: "Change a member's role",
        params: MembershipParams,
        body: MemberRoleChange,
        response: { 200: TeamMembership, ...writes },
      },
    },
    async (request) => {
      const c = await callerForMembership(request, request.params.id);
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
        params: MembershipParams,
        response: { 204: Type.Null(), ...writes },
      },
    },
    async (request, reply) => {
      const c = await callerForMembership(request, request.params.id);
      await new OrganizationService(request.em).removeMember(c, request.params.id);
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
        expiresAt: expiresAt ? new Date(expiresAt) : null,
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

/** The caller acting in the organization named in the path. */
async function callerFor(request: FastifyRequest, organizationId: string) {
  return request.callerIn(organizationId);
}

/** The caller acting in the organization that owns the membership (404 when the caller is not in it). */
async function callerForMembership(request: FastifyRequest, membershipId: string) {
  const membership = await request.em.findOne(Membership, { id: membershipId });
  if (!membership) throw new NotFoundError('Membership', membershipId);
  return callerFor(request, membership.organization.id);
}
