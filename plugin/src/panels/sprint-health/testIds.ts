/** Test ids of what the panel added with the engine's score and the forecast; the rest are in components/testIds. */
export const sprintHealthTestIds = {
  basis: 'data-testid sh-basis',
  refused: 'data-testid sh-refused',
  forecast: 'data-testid sh-forecast',
  forecastWarning: 'data-testid sh-forecast-warning',
  fan: 'data-testid sh-forecast-fan',
};
