/**
 * A label value chosen by a client (an operation name) kept bounded, so that no client can
 * grow the metrics without limit: a value longer than `maxLength`, or new once `maxValues`
 * distinct values were seen by this process, becomes `other`.
 */
export interface BoundedLabelOptions {
  maxLength: number;
  maxValues: number;
}

export const defaultOperationLabelBounds: BoundedLabelOptions = Object.freeze({
  maxLength: 64,
  maxValues: 200,
});

export const otherLabel = 'other';

export function boundedLabel(
  options: BoundedLabelOptions = defaultOperationLabelBounds,
): (value: string) => string {
  const seen = new Set<string>();
  return (value) => {
    if (value.length > options.maxLength) return otherLabel;
    if (seen.has(value)) return value;
    if (seen.size >= options.maxValues) return otherLabel;
    seen.add(value);
    return value;
  };
}
