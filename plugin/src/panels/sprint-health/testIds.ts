/** Test ids of what the panel added with the engine's score; the rest are in components/testIds. */
export const sprintHealthTestIds = {
  basis: 'data-testid sh-basis',
  refused: 'data-testid sh-refused',
};
