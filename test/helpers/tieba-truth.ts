/** The comparison moved into the product (lab:chaos uses it too); the tests import it from here as before. */
export { actual, type Doc, expected } from '../../lab/site/compare.ts';
