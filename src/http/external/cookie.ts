/** @fastify/cookie for the web inbox: parses `Cookie`, adds `reply.setCookie` (unsigned: the values are random tokens). */
import cookie from '@fastify/cookie';
import type { FastifyInstance } from 'fastify';

export const registerCookie = (app: FastifyInstance) => app.register(cookie, { hook: 'onRequest' });
