import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '../shared/styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <main className="page">
      <h1>counterpay register</h1>
    </main>
  </StrictMode>,
);
