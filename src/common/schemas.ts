/** TypeBox building blocks shared by every context's schemas. */
import Type from 'typebox';

export const Uuid = Type.String({ format: 'uuid', description: 'UUID' });
export const DateTime = Type.String({ format: 'date-time' });
export const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

export const IdParams = Type.Object({ id: Uuid });

/** Cursor pagination: `limit` items after `cursor` (opaque, from the previous page's `nextCursor`). */
export const PageQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
});

/** Serializes a Date (or null) for a response. */
export const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);
