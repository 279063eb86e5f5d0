/** Argument checks used by layer constructors (re-exported validators plus the init-name guard). */
import { assertOneOf } from '../core/validate';
import { INIT_NAMES } from './init';

export { assertPositiveInteger, assertBoolean, assertNumberInRange, assertFinite, assertOneOf, assertInteger,
  shapeError } from '../core/validate';

export function assertInitName(name: unknown): void {
  if (name !== undefined) assertOneOf(name, 'init', INIT_NAMES);
}
