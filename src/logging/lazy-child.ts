import type { Bindings, ChildLoggerOptions } from 'pino';
import type { Logger } from './logger.ts';

const noop = () => {};

/**
 * A child logger that is made only when it is used: fastify makes one per request, and authentication another, but
 * at `warn` most requests write no line at all, and a pino child costs more than the lines it would rarely write.
 * A line at a disabled level is dropped without making it; a child of it gathers bindings, still unmade; anything
 * else (a line at an enabled level, a symbol fastify reads, a level set on it) makes the real child and passes on.
 */
export function lazyChild(parent: Logger, bindings: Bindings, options?: ChildLoggerOptions): Logger {
  if (options && Object.keys(options).length) return parent.child(bindings, options);
  let real: Logger | undefined;
  const made = () => (real ??= parent.child(bindings));
  const levels = parent.levels.values;
  return new Proxy({} as Logger, {
    get(_target, property) {
      if (!real) {
        // fastify checks that a child has every level method: looking at one makes nothing, writing a line does.
        if (typeof property === 'string' && Object.hasOwn(levels, property)) return parent.isLevelEnabled(property) ? (...args: unknown[]) => (made()[property as 'info'] as (...a: unknown[]) => void)(...args) : noop;
        if (property === 'isLevelEnabled') return (level: string) => parent.isLevelEnabled(level);
        if (property === 'level') return parent.level;
        if (property === 'child') return (more: Bindings, moreOptions?: ChildLoggerOptions) => lazyChild(parent, { ...bindings, ...more }, moreOptions);
      }
      const value = Reflect.get(made(), property) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(real) : value;
    },
    set(_target, property, value) {
      return Reflect.set(made(), property, value);
    },
    has(_target, property) {
      return property in made();
    },
  });
}
