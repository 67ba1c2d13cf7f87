/** One series of a TimeChart: its label, one value per x, its colour. */
export interface Line {
  label: string;
  values: number[];
  color: string;
}
