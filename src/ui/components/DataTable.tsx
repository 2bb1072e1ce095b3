// A data table's frame, the same in every view: its class and test id, an optional caption, one header row of
// column names (scope="col" for screen readers). The caller gives the body rows.
import type { ReactNode } from 'react';

export function DataTable({ className, testId, caption, columns, children }: { className: string; testId?: string; caption?: ReactNode; columns: ReactNode[]; children: ReactNode }) {
  return (
    <table className={className} data-testid={testId}>
      {caption !== undefined && <caption>{caption}</caption>}
      <thead>
        <tr>
          {columns.map((c, i) => (
            <th key={i} scope="col">
              {c}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}
