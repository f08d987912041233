import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '../shared/styles.css';

// Placeholder: the dashboard's own screens replace this file.
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <main className="page">
      <h1>counterpay dashboard</h1>
    </main>
  </StrictMode>,
);
