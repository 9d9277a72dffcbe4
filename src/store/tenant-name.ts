/** The one rule on tenant names, for every store that keys items by tenant. */
import { InvalidInputError } from './errors.js';

const maxTenantLength = 128;

export function checkTenant(tenant: string): void {
  if (
    typeof tenant !== 'string' ||
    tenant.length === 0 ||
    tenant.length > maxTenantLength ||
    !tenant.isWellFormed()
  ) {
    throw new InvalidInputError(`A tenant has 1 to ${maxTenantLength} characters of well-formed Unicode.`, [
      'tenant',
    ]);
  }
}
